"""Text fingerprints for near-duplicate detection: Chinese-aware shingles, MinHash, LSH bands.

A base module because the store writes every task's LSH band keys in the same transaction as
the task (so the index is complete whichever path created the task), the conflict checker
queries them, and the warehouse asset builds datasketch's in-memory `MinHashLSH` from the same
signatures; all three must agree bit for bit.

Shingles are bigrams of tokens, where a token is one CJK character or one run of other letters
and digits; punctuation, spaces and symbols only separate. So "早安，北京！" and "早安 北京"
shingle the same, and an English word changes one token, not five characters.

The banding is fixed (20 bands of 3 rows, 60 permutations), not derived from the similarity
threshold setting, so that changing the threshold never invalidates the stored bands. A pair is
a candidate with probability 1 - (1 - s^3)^20: 0.73 at Jaccard 0.4, 0.93 at 0.5, 0.99 at 0.6,
and 0.02 at 0.1 (unrelated texts); candidates are then compared exactly.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH

NUM_PERM = 60
LSH_BANDS = 20
LSH_ROWS = 3
SEED = 1  # fixed: signatures and band keys must be the same in every process


_CJK = "\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\U00020000-\U0002fa1f"
# One CJK character (ideographs, kana, hangul), or a run of other letters and digits.
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def tokens(text: str) -> list[str]:
    """The text's tokens: each CJK character alone, runs of other letters and digits as words;
    punctuation, spaces, symbols and emoji only separate."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=8192)  # a text is shingled for its band keys and again for its check
def shingles(text: str) -> frozenset[str]:
    """Token bigrams (a one-token text is its token)."""
    toks = tokens(text)
    if len(toks) < 2:
        return frozenset(toks)
    return frozenset(f"{a}\x1f{b}" for a, b in zip(toks, toks[1:], strict=False))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two shingle sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@lru_cache(maxsize=1)
def _template() -> MinHash:
    # Building the permutations is most of a MinHash's cost: do it once per process. Imported
    # here: datasketch imports scipy, which publish runs loading the definitions do not need.
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)


def minhash(parts: frozenset[str]) -> MinHash | None:
    """The MinHash signature of a shingle set; None for an empty set (nothing to compare)."""
    if not parts:
        return None
    from datasketch import MinHash

    template = _template()
    # crc32 (C, called directly) instead of datasketch's default sha1 wrapper: a third of the
    # cost of a signature; the affine permutations on top spread its values.
    signature = MinHash(
        num_perm=NUM_PERM,
        permutations=template.permutations,
        scheme=template.scheme,
        hashfunc=zlib.crc32,
    )
    signature.update_batch([p.encode("utf-8") for p in sorted(parts)])
    return signature


def new_lsh() -> MinHashLSH:
    """An empty datasketch LSH index banded exactly as the stored band keys are."""
    from datasketch import MinHashLSH

    return MinHashLSH(num_perm=NUM_PERM, params=(LSH_BANDS, LSH_ROWS))


@lru_cache(maxsize=8192)  # the checker and the store ask for the same texts in a row
def _band_keys(text: str) -> tuple[int, ...]:
    return tuple(_compute_band_keys(text))


def band_keys(text: str) -> list[int]:
    """The text's LSH band keys (signed 64-bit, one a band); empty for a text without tokens.

    Two texts share a key exactly when datasketch's `MinHashLSH` with `new_lsh()`'s banding
    would put them in the same bucket of that band.
    """
    return list(_band_keys(text))


_BAND_PREFIXES = [bytes([band]) for band in range(LSH_BANDS)]
_SIGNERS = threading.local()  # a thread's one MinHash, cleared for each text


def _compute_band_keys(text: str) -> list[int]:
    parts = shingles(text)
    if not parts:
        return []
    # One MinHash a thread, cleared for each text: building one validates its permutations
    # again, which cost more than hashing a post's shingles.
    signature: MinHash | None = getattr(_SIGNERS, "minhash", None)
    if signature is None:
        signature = _SIGNERS.minhash = minhash(parts)
        assert signature is not None
    signature.clear()
    signature.update_batch([p.encode("utf-8") for p in sorted(parts)])
    values = signature.hashvalues.tobytes()
    width = len(values) // NUM_PERM * LSH_ROWS  # bytes of a band's rows
    return [
        int.from_bytes(
            hashlib.blake2b(
                prefix + values[band * width : (band + 1) * width], digest_size=8
            ).digest(),
            "big",
            signed=True,
        )
        for band, prefix in enumerate(_BAND_PREFIXES)
    ]
