"""YAML files and ``key=value`` overrides read into checked dataclasses (the schemas live in
``galrec.config`` and ``galrec.baselines.configs``).

Every key is checked against the dataclass fields: an unknown key, a wrong type or an
out-of-range value is a ``GalrecError`` that names the key; ``__post_init__`` methods hold the
range checks, through ``check``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

from galrec.errors import GalrecError

T = TypeVar("T")


def check(cond: bool, key: str, msg: str) -> None:
    if not cond:
        raise GalrecError(f"config value {key}: {msg}")


def _field_type(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check ``value`` against the annotation ``tp``; convert the few safe cases (int -> float)."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise GalrecError(f"config key {key}: expected a mapping, got {value!r}")
        return from_dict(tp, value, prefix=f"{key}.")
    if origin is Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            raise GalrecError(f"config key {key}: {value!r} is not one of {list(choices)}")
        return value
    if origin in (typing.Union, types.UnionType):
        errors = []
        for arg in typing.get_args(tp):
            if arg is type(None):
                if value is None:
                    return None
                continue
            try:
                return _coerce(value, arg, key)
            except GalrecError as exc:
                errors.append(str(exc))
        raise GalrecError(f"config key {key}: {value!r} fits none of {tp}")
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise GalrecError(f"config key {key}: expected a list, got {value!r}")
        return [_coerce(v, item_tp, f"{key}[{i}]") for i, v in enumerate(value)]
    if tp is float:
        if isinstance(value, str):  # YAML 1.1 reads "2e-3" (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GalrecError(f"config key {key}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise GalrecError(f"config key {key}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise GalrecError(f"config key {key}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise GalrecError(f"config key {key}: expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config annotation {tp} for {key}")


def from_dict(cls: type[T], raw: dict[str, Any], prefix: str = "") -> T:
    """Build dataclass ``cls`` from a nested dict, rejecting unknown keys by name."""
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - known)
    if unknown:
        raise GalrecError(
            f"unknown config key {prefix}{unknown[0]}; known keys here: {', '.join(sorted(known))}"
        )
    kwargs = {k: _coerce(v, _field_type(cls, k), f"{prefix}{k}") for k, v in raw.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise GalrecError(f"config {prefix or cls.__name__}: {exc}") from None


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn ``["loss.l1=0.1", "data.dataset=toys"]`` into a nested dict (values parsed as YAML)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise GalrecError(f"override {pair!r} is not of the form key=value")
        key, text = pair.split("=", 1)
        value = yaml.safe_load(text) if text else ""
        node = out
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise GalrecError(f"override {pair!r} conflicts with another override of {part}")
        node[parts[-1]] = value
    return out


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def read_yaml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise GalrecError(f"config file {p} does not exist")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise GalrecError(f"config file {p} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise GalrecError(f"config file {p} must hold a mapping at the top level")
    return raw


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] | None = None) -> T:
    """YAML file (optional) + ``key=value`` overrides -> a checked ``cls`` instance."""
    raw = read_yaml(path) if path else {}
    raw = merge(raw, parse_overrides(overrides or []))
    return from_dict(cls, raw)
