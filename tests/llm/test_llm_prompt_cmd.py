import re

from galrec.cli import main

TINY = "backbone.name=tiny-random"


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_prompt_show_prints_dataset_ids_and_the_token_count(capsys, tiny_dir):
    status, out, _ = run(capsys, "prompt", "show", "--dataset", str(tiny_dir), "--user", "103", TINY)
    assert status == 0
    text, count = out.strip().splitlines()
    assert text.startswith("User <user:103> bought <item:11 \"Matte red lipstick")
    assert re.findall(r"<item:(\w+)", text) == ["11", "13", "14", "16", "18", "12"]  # test input
    assert len(re.findall(r"<user:(\w+)>", text)) == 6  # the user and 5 sampled 2-hop users
    assert re.fullmatch(r"tokens: \d+ \(12 placeholders, \d+ text\)", count)


def test_prompt_show_valid_split_compact_and_item_prompts(capsys, tiny_dir):
    _, out, _ = run(
        capsys, "prompt", "show", "--dataset", str(tiny_dir), "--user", "103", "--split", "valid",
        "prompt.neighbours=compact", TINY,
    )
    assert "<items:11,13,14,16,18>" in out and "(3 placeholders," in out
    _, out, _ = run(capsys, "prompt", "show", "--dataset", str(tiny_dir), "--item", "12", TINY)
    assert out.startswith('Item <item:12 "Rose hand cream"> was bought by <user:')


def test_prompt_show_names_an_unknown_user(capsys, tiny_dir):
    status, _, err = run(capsys, "prompt", "show", "--dataset", str(tiny_dir), "--user", "999", TINY)
    assert status == 2 and "unknown user id(s): 999" in err
