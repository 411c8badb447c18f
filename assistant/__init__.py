"""Stage 3: question → exact lookup or retrieval → answer with item-number citations."""

from .answer import Answer, Citation
from .pipeline import Assistant, History

__all__ = ["Answer", "Assistant", "Citation", "History"]
