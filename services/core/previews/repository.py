"""Reads of previews: the list of a preview's score rows, read as a snapshot's (see
snapshots.repository.score_list)."""

from services.core.previews.models import PreviewScore
from services.core.snapshots.repository import score_list

PREVIEW_SCORE_LIST = score_list(PreviewScore.preview_id)
