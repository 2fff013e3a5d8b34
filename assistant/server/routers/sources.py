"""GET /v1/sources: what the assistant has read."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from assistant.server.deps import Service, require_api_key
from assistant.server.errors import ERROR_RESPONSES
from assistant.server.schemas import SourceInfo, SourcesResponse

router = APIRouter(prefix="/v1", tags=["sources"], dependencies=[Depends(require_api_key)])


@router.get("/sources", response_model=SourcesResponse, responses=ERROR_RESPONSES)
def sources(service: Service) -> SourcesResponse:
    """The ingested documents with title, author, sections and chunk counts."""
    found: dict[str, SourceInfo] = {}
    chunks = sorted(service.documents(), key=lambda d: (d.metadata["source"], d.metadata["ordinal"]))
    for chunk in chunks:
        meta = chunk.metadata
        info = found.setdefault(
            meta["source"],
            SourceInfo(source=meta["source"], title=meta.get("title", ""), author=meta.get("author", ""), sections=[], chunks=0),
        )
        info.chunks += 1
        if meta["section"] not in info.sections:
            info.sections.append(meta["section"])
    return SourcesResponse(sources=list(found.values()))
