"""The peer: the plain LangChain chain most RAG tutorials build, on the same collection.

    langchain-chroma's retriever | ChatPromptTemplate | the same chat model | StrOutputParser

It reads the same Chroma collection with the same embedding model, sends the same prompt
(assistant.prompting.ANSWER_PROMPT, passages numbered the same way) to the same chat
model, and has none of the assistant's parts: no keyword search, no fusion, no abstention
threshold, no guard. Its answers are scored by the same code as the assistant's. It
abstains only by saying so, as the prompt asks ("the article does not cover it").
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnableLambda, RunnableParallel, RunnablePassthrough

from assistant.prompting import ANSWER_PROMPT
from evals.bench.scoring import Scored, score
from evals.bench.timing import spread
from evals.dataset import Case

__all__ = ["bench_peer", "build_peer_chain"]

_MARKER = re.compile(r"\[(\d+)\]")
# The prompt's own words for "no answer here"; a peer answer saying so counts as abstaining.
_SAYS_NOT_COVERED = re.compile(r"(does not|doesn't|do not|don't) cover", re.IGNORECASE)


def _numbered(documents: list[Document]) -> str:
    return "\n\n".join(
        f"[{i}] ({d.metadata.get('section', '')})\n{d.page_content}" for i, d in enumerate(documents, start=1)
    )


def build_peer_chain(client, collection_name: str, embeddings, chat_model, k: int):
    """The chain; it returns {"docs", "question", "answer"} so the answer can be scored."""
    from langchain_chroma import Chroma

    retriever = Chroma(client=client, collection_name=collection_name, embedding_function=embeddings).as_retriever(
        search_kwargs={"k": k}
    )
    answer = (
        RunnableLambda(lambda x: {"passages": _numbered(x["docs"]), "question": x["question"]})
        | ANSWER_PROMPT
        | chat_model
        | StrOutputParser()
    )
    return RunnableParallel(docs=retriever, question=RunnablePassthrough()).assign(answer=answer)


def bench_peer(chain, cases: Sequence[Case]) -> dict:
    scored, firsts, fulls = [], [], []
    for case in cases:
        started = time.perf_counter()
        first, docs, text = None, [], ""
        for part in chain.stream(case.question):
            docs = part.get("docs", docs)
            piece = part.get("answer", "")
            if piece and first is None:
                first = (time.perf_counter() - started) * 1000
            text += piece
        full = (time.perf_counter() - started) * 1000
        firsts.append(first if first is not None else full)
        fulls.append(full)
        cited = [docs[int(n) - 1].metadata.get("section", "") for n in _MARKER.findall(text) if 0 < int(n) <= len(docs)]
        sections = [str(d.metadata.get("section", "")) for d in docs]
        scored.append(Scored(case, sections, cited, bool(_SAYS_NOT_COVERED.search(text)), text))
    return {
        "latency": {"answers": len(cases), "first_text_ms": spread(firsts), "full_ms": spread(fulls)},
        "quality": score(scored),
    }
