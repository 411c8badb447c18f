"""The systems a run compares. Each one answers `ask(question, history)` with a dict in the shape
of a result line: answer, citations [{item, title, section}], refused, and extras.

- full / full+llm: the Assistant (extractive, or with the model).
- naive: a plain LlamaIndex pipeline — VectorStoreIndex over the same Chroma collection through
  ChromaVectorStore, the same embedder, `as_retriever(similarity_top_k=3)`, nothing else.
- bm25 / hybrid: our HybridRetriever in that mode, top 3.

The baselines never refuse and have no conversation memory (a follow-up is retrieved on its own).
Their "answer" is the full notice text of each retrieved task (with its responsibility
parenthesis; the header/preamble for the header node), so their fact recall says whether the
retrieved context holds the answer — an upper bound for a generator reading it.
"""

from __future__ import annotations

from typing import Any, Protocol

from config import Config
from corpus import Notice
from index.nodes import header_passage

History = list[tuple[str, str]]
TOP_N = 3


class System(Protocol):
    name: str

    def ask(self, question: str, history: History) -> dict[str, Any]: ...


def citation(notice: Notice, n: int) -> dict[str, Any]:
    t = notice.tasks[n - 1]
    return {"item": n, "title": t.title, "section": f"{t.section.numeral}、{t.section.title}"}


def passage(notice: Notice, n: int) -> str:
    """What a retrieval baseline returns for task n (0 = the header and preamble)."""
    return header_passage(notice) if n == 0 else notice.tasks[n - 1].text


def retrieval_answer(notice: Notice, top: list[int], ranked: list[int]) -> dict[str, Any]:
    return {
        "answer": "\n\n".join(passage(notice, n) for n in top),
        "citations": [citation(notice, n) for n in top if n > 0],
        "refused": False,
        "ranked": ranked,
    }


class AssistantSystem:
    def __init__(self, name: str, assistant: Any) -> None:
        self.name = name
        self.assistant = assistant

    def ask(self, question: str, history: History) -> dict[str, Any]:
        return self.assistant.ask(question, history).to_json()


class RetrieverBaseline:
    """HybridRetriever in one mode: its top 3 hits are the answer; every hit is the ranked list."""

    def __init__(self, name: str, retriever: Any, notice: Notice, top_n: int = TOP_N) -> None:
        self.name = name
        self.retriever = retriever
        self.notice = notice
        self.top_n = top_n

    def ask(self, question: str, history: History) -> dict[str, Any]:
        ranked = [h.task for h in self.retriever.search(question)]
        return retrieval_answer(self.notice, ranked[: self.top_n], ranked)


class NaiveBaseline:
    """The textbook LlamaIndex retriever over our Chroma collection; no structured lookups."""

    def __init__(self, name: str, retriever: Any, notice: Notice) -> None:
        self.name = name
        self.retriever = retriever
        self.notice = notice

    def ask(self, question: str, history: History) -> dict[str, Any]:
        nodes = self.retriever.retrieve(question)
        tasks = [int(n.node.metadata.get("task", 0)) for n in nodes]
        return retrieval_answer(self.notice, tasks, tasks)


def naive_retriever(cfg: Config, embed_model: Any, top_k: int = TOP_N) -> Any:
    """`VectorStoreIndex.from_vector_store(ChromaVectorStore(collection)).as_retriever(top_k)`,
    with llama-index's global LLM pinned to a stub that refuses, so nothing reaches for OpenAI."""
    from llama_index.core import Settings, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.llm.runtime import DisabledLLM
    from index import open_collection

    Settings.llm = DisabledLLM(reason="the naive baseline retrieves only")
    Settings.embed_model = embed_model
    collection, _ = open_collection(cfg)
    index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=collection), embed_model=embed_model)
    return index.as_retriever(similarity_top_k=top_k)


def make_naive(cfg: Config, notice: Notice, embed_model: Any, name: str = "naive") -> NaiveBaseline:
    return NaiveBaseline(name, naive_retriever(cfg, embed_model), notice)


def make_retriever_baseline(cfg: Config, notice: Notice, embed_model: Any, mode: str) -> RetrieverBaseline:
    from index import open_retriever

    return RetrieverBaseline(mode, open_retriever(cfg, notice, embed_model=embed_model, mode=mode), notice)  # type: ignore[arg-type]


def make_assistant(cfg: Config, notice: Notice, embed_model: Any, with_llm: bool) -> Any:
    """An Assistant sharing the embedder (each gets its own retriever and query-embedding cache)."""
    from assistant.pipeline import Assistant
    from index import open_retriever

    assistant = Assistant(cfg, notice, open_retriever(cfg, notice, embed_model=embed_model))
    if with_llm:
        assistant.attach_llm()
    return assistant
