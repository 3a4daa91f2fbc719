"""The inputs nobody materializes, as external assets: the raw folder and the checked-in reference files.

They give the graph its real upstream (an engineer sees where raw/articles and the dimensions come
from) and carry the setting or the file they are.
"""

import hashlib
from pathlib import Path

import dagster as dg

from indicators_pipeline import settings
from indicators_pipeline.defs.specs import OWNERS
from indicators_pipeline.reference import REFERENCE_DIR

RAW_FOLDER = dg.AssetKey(["raw", "folder"])
REFERENCE_FILES = {name: dg.AssetKey(["reference", name]) for name in ("indicators", "provinces", "provinces_2025")}

raw_folder = dg.AssetSpec(
    RAW_FOLDER, group_name="raw", kinds={"file"}, owners=OWNERS,
    description="The folder of raw articles (plain text or saved HTML, at any depth). Drop files here; the sensor "
                "starts a refresh.",
    metadata={"setting": "INDICATORS_RAW_DIR", "default": dg.MetadataValue.path(settings.DEFAULT_RAW_DIR)},
)

reference_files = [
    dg.AssetSpec(
        key, group_name="reference", kinds={"csv"}, owners=OWNERS,
        description=f"Checked-in reference list {name}.csv (copied from the design's spec): edit it by a commit.",
        metadata={"path": dg.MetadataValue.path(str((REFERENCE_DIR / f"{name}.csv").relative_to(settings.REPO_ROOT)))},
    )
    for name, key in REFERENCE_FILES.items()
]


def observe_file(context: dg.AssetExecutionContext, asset_key: dg.AssetKey, path: Path, **measures: int) -> None:
    """The asset that reads an input records what it read (the UI shows the input as observed, with when and what)."""
    exists = path.exists()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if exists and path.is_file() else None
    context.log_event(dg.AssetObservation(
        asset_key=asset_key, metadata={"path": dg.MetadataValue.path(str(path)), "exists": exists,
                                       **({"sha256": dg.MetadataValue.text(digest)} if digest else {}), **measures}))


@dg.definitions
def sources() -> dg.Definitions:
    return dg.Definitions(assets=[raw_folder, *reference_files])
