"""Every input kept in the decoders' fuzz corpus (seeds made with bastion's encoders, and what the
coverage-guided fuzzer kept or found: ``make fuzz``) goes through every decoder without an
unexpected exception."""

import traceback
from pathlib import Path

from decoder_fuzz import one_input  # beside this file

CORPUS = sorted(p for p in (Path(__file__).parent / "fuzz_corpus").iterdir() if p.is_file() and p.suffix != ".md")


def test_every_corpus_input_decodes_without_an_unexpected_exception():
    assert len(CORPUS) >= 10
    failed = {}
    for path in CORPUS:
        try:
            one_input(path.read_bytes())
        except Exception:  # the point: name every input that raised, with its trace
            failed[path.name] = traceback.format_exc(limit=3)
    assert not failed, "\n".join(f"{k}:\n{v}" for k, v in failed.items())
