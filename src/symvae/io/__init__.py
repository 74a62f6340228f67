"""Reading and writing symvae's files (features, relevance, summary)."""

from symvae.io.features import (
    TEST,
    TRAIN,
    VALIDATION,
    FeatureFile,
    make_split,
    read_features,
    write_features,
)
from symvae.io.hdf5 import atomic_h5, open_h5, read_json_attr, write_json_attr

__all__ = [
    "TEST",
    "TRAIN",
    "VALIDATION",
    "FeatureFile",
    "atomic_h5",
    "make_split",
    "open_h5",
    "read_features",
    "read_json_attr",
    "write_features",
    "write_json_attr",
]
