"""Knowledge base: schemas, loading, validation and name resolution."""

from jakpath.kb.knowledge_base import (
    Cytokine,
    Disease,
    Drug,
    KnowledgeBase,
    KnowledgeBaseError,
    load_kb,
)
from jakpath.kb.names import UnknownNameError
from jakpath.kb.validate import Problem, validate

__all__ = [
    "Cytokine",
    "Disease",
    "Drug",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Problem",
    "UnknownNameError",
    "load_kb",
    "validate",
]
