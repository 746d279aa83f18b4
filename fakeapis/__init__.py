"""A local double of every API the pipeline calls, catalog-driven, with faults and rate limits.

Use it in-process (``with FakeApis(catalog) as apis: apis.env()``) or from the shell
(``enrich fake-apis --catalog FILE --print-env``). See docs/fakeapi.md.
"""

from fakeapis.access import LOG_FIELDS
from fakeapis.catalog import Catalog
from fakeapis.catalog_load import catalog_from, load_catalog
from fakeapis.faults import FAULT_KINDS, FaultProfile, FaultRule, load_fault_profile
from fakeapis.server import FakeApis

__all__ = [
    "FAULT_KINDS",
    "LOG_FIELDS",
    "Catalog",
    "FakeApis",
    "FaultProfile",
    "FaultRule",
    "catalog_from",
    "load_catalog",
    "load_fault_profile",
]
