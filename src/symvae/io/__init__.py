"""File helpers: atomic writes, deterministic ROOT files, checked HDF5 opening, JSON and
string-list attributes.

The layouts of symvae's own files (features, evaluation, relevance, ...) are in
:mod:`symvae.outputs`.
"""

from symvae.io.atomic import atomic_path
from symvae.io.hdf5 import atomic_h5, open_h5, read_json_attr, write_json_attr, write_str_list_attr

__all__ = [
    "atomic_h5",
    "atomic_path",
    "open_h5",
    "read_json_attr",
    "write_json_attr",
    "write_str_list_attr",
]
