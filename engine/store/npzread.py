"""Reading a weights.npz that anyone may have written, with memory bounded by what the caller
expects rather than by what the file claims.

np.load trusts the archive: a 2 MB npz may hold a member that inflates to 2 GB of zeros, and
only the compressed size is known before it is read. Here the file itself is read with a cap
(engine/files.py), and each member's .npy header (shape, dtype) is checked against the limit
before anything is allocated for it. Every refusal is a BadWeights naming the reason.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from linclf.engine.files import read_capped

MAX_NPZ_BYTES = 64 << 20  # the file as stored: a float64 10×3072 W is 240 kB
MAX_MEMBER_ITEMS = 1 << 22  # elements of one array: 4 Mi (32 MB of float64)


class BadWeights(ValueError):
    """A weights file that cannot be used; the message says why in a few words."""


def _header(stream) -> tuple[tuple[int, ...], np.dtype]:
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version in ((2, 0), (3, 0)):
        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise BadWeights(f"npy format {version} unknown")
    return shape, dtype


def read_npz(
    path: Path, names: tuple[str, ...], max_items: int = MAX_MEMBER_ITEMS
) -> dict[str, np.ndarray]:
    """The named arrays of the npz at path (a name the file lacks is left out), each of a
    numeric dtype and at most max_items elements. OSError for the file, BadWeights for its
    content."""
    data = read_capped(Path(path), MAX_NPZ_BYTES)
    arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = set(archive.namelist())
            for name in names:
                if f"{name}.npy" not in members:
                    continue
                with archive.open(f"{name}.npy") as stream:
                    shape, dtype = _header(stream)
                    if dtype.hasobject or dtype.kind not in "biuf":
                        raise BadWeights(f"{name} has dtype {dtype}, not numbers")
                    if math.prod(shape) > max_items:
                        raise BadWeights(f"{name} declares shape {shape}, too large")
                with archive.open(f"{name}.npy") as stream:
                    arrays[name] = np.lib.format.read_array(stream, allow_pickle=False)
    except BadWeights:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        ValueError,
        EOFError,
        OSError,
        TypeError,
        NotImplementedError,
    ) as err:
        raise BadWeights(f"not a readable npz ({type(err).__name__})") from None
    return arrays
