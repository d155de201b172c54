"""Typed config: unknown keys, wrong types and out-of-range values are errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from galrec.config import GalRecConfig
from galrec.typed_config import load_config, parse_overrides
from galrec.errors import GalrecError


def test_defaults_load_without_file_or_overrides() -> None:
    assert load_config(GalRecConfig) == GalRecConfig()


@pytest.mark.parametrize(
    "override, named",
    [
        ("lossx.l1=0.1", "lossx"),
        ("loss.l9=0.1", "loss.l9"),
        ("prompt.neighbors=listed", "prompt.neighbors"),
    ],
)
def test_unknown_key_is_named(override: str, named: str) -> None:
    with pytest.raises(GalrecError, match=rf"unknown config key {named}\b"):
        load_config(GalRecConfig, overrides=[override])


@pytest.mark.parametrize(
    "override, named",
    [
        ("train.lr=fast", "train.lr"),
        ("train.batch_size=1.5", "train.batch_size"),
        ("data.mask_repeats=1", "data.mask_repeats"),  # no silent int -> bool
        ("seed=true", "seed"),  # no silent bool -> int
        ("eval.protocol=sampled", "eval.protocol"),  # not one of the Literal choices
        ("eval.ks=[5, ten]", r"eval.ks\[1\]"),
        ("loss=0.1", "loss"),  # a section needs a mapping
    ],
)
def test_wrong_type_is_named(override: str, named: str) -> None:
    with pytest.raises(GalrecError, match=named):
        load_config(GalRecConfig, overrides=[override])


@pytest.mark.parametrize(
    "override, named",
    [
        ("loss.tau=0", "loss.tau"),
        ("loss.l2=-1", "loss.l2"),
        ("train.grad_accum=0", "train.grad_accum"),
        ("data.max_len=1", "data.max_len"),
        ("eval.ks=[5, 0]", "eval.ks"),
        ("queue.size=-5", "queue.size"),
        ("external.fusion_source=sasrec", "external.fusion_source"),  # external.source is sasrec: say 'external'
    ],
)
def test_out_of_range_is_named(override: str, named: str) -> None:
    with pytest.raises(GalrecError, match=named):
        load_config(GalRecConfig, overrides=[override])


def test_overrides_parse_into_a_nested_dict_of_yaml_values() -> None:
    got = parse_overrides(["a.b=1", "a.c=x", "a.d.e=0.5", "f=[1, 2]", "g=true", "h="])
    assert got == {"a": {"b": 1, "c": "x", "d": {"e": 0.5}}, "f": [1, 2], "g": True, "h": ""}
    with pytest.raises(GalrecError, match="key=value"):
        parse_overrides(["a.b"])
    with pytest.raises(GalrecError, match="conflicts"):
        parse_overrides(["a=1", "a.b=2"])


def test_overrides_apply_and_coerce() -> None:
    cfg = load_config(GalRecConfig, overrides=["loss.l1=1", "data.dataset=toys", "eval.ks=[1, 50]"])
    assert cfg.loss.l1 == 1.0 and isinstance(cfg.loss.l1, float)  # an int is a fine float
    assert cfg.data.dataset == "toys" and cfg.eval.ks == [1, 50]
    assert cfg.loss.l2 == GalRecConfig().loss.l2  # untouched keys keep their defaults


def test_yaml_file_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("seed: 3\ndata:\n  dataset: yelp\n  max_len: 20\nloss:\n  tau: 0.2\n")
    cfg = load_config(GalRecConfig, path, overrides=["data.max_len=30"])
    assert (cfg.seed, cfg.data.dataset, cfg.data.max_len, cfg.loss.tau) == (3, "yelp", 30, 0.2)
    assert cfg.data.mask_repeats is True  # siblings of an overridden key survive the merge


def test_bad_yaml_files_say_which_file(tmp_path: Path) -> None:
    with pytest.raises(GalrecError, match="does not exist"):
        load_config(GalRecConfig, tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("data: [unclosed\n")
    with pytest.raises(GalrecError, match="broken.yaml is not valid YAML"):
        load_config(GalRecConfig, broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(GalrecError, match="mapping at the top level"):
        load_config(GalRecConfig, listed)
    typo = tmp_path / "typo.yaml"
    typo.write_text("optim:\n  lr: 0.1\n")
    with pytest.raises(GalrecError, match="unknown config key optim"):
        load_config(GalRecConfig, typo)


def test_exponent_without_a_dot_is_a_number() -> None:
    cfg = load_config(GalRecConfig, None, ["train.lr=2e-3"])
    assert cfg.train.lr == 0.002
