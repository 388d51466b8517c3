from fastapi import APIRouter
from pydantic import BaseModel

from services.api.deps import PublicReaderDep
from services.core.vocabularies import all_vocabularies

router = APIRouter(prefix="/v1/vocabularies", tags=["vocabularies"])


class Term(BaseModel):
    code: str | int
    fr: str
    en: str


@router.get(
    "",
    summary="Every code list, with French and English labels",
    response_model=dict[str, list[Term]],
)
async def list_vocabularies(_: PublicReaderDep):
    return all_vocabularies()
