"""Resolution: entries -> identifiers -> one :class:`ResolvedWork` per work (see docs/resolution.md)."""

from enrich.resolve.cache import ResolutionCache
from enrich.resolve.cluster import resolve_works
from enrich.resolve.idmap import WorkIdMap, work_id_for
from enrich.resolve.match import TitleMatch, TitleQuery
from enrich.resolve.plan import LookupPlan, plan_lookups
from enrich.resolve.resolver import TitleResolver
from enrich.resolve.types import MatchEvidence, MatchMethod, ResolvedWork

__all__ = [
    "LookupPlan",
    "MatchEvidence",
    "MatchMethod",
    "ResolutionCache",
    "ResolvedWork",
    "TitleMatch",
    "TitleQuery",
    "TitleResolver",
    "WorkIdMap",
    "plan_lookups",
    "resolve_works",
    "work_id_for",
]
