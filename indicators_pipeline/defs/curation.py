"""The analysts' curation files (data/curation/): an external asset each, and the resource that finds them.

A new curation file gets a field on the resource and a spec from `_curation_file`.
"""

from pathlib import Path
from typing import Optional

import dagster as dg
from pydantic import Field

from indicators_pipeline import settings
from indicators_pipeline.defs.resources import setting
from indicators_pipeline.defs.specs import OWNERS

ACKNOWLEDGED = dg.AssetKey(["curation", "acknowledged"])
CORRECTIONS = dg.AssetKey(["curation", "corrections"])


def _curation_file(key: dg.AssetKey, description: str, variable: str, default: str) -> dg.AssetSpec:
    return dg.AssetSpec(key, group_name="curation", kinds={"csv"}, owners=OWNERS, description=description,
                        metadata={"setting": variable, "default": dg.MetadataValue.path(default)})


acknowledged_file = _curation_file(
    ACKNOWLEDGED, "Findings a reviewer acknowledged (rule, province, year, indicator, reason, who): they stay in "
                  "marts.quality_findings, marked, and no longer fail their check. A row matching nothing is reported.",
    "INDICATORS_ACKNOWLEDGED", settings.DEFAULT_ACKNOWLEDGED)
corrections_file = _curation_file(
    CORRECTIONS, "Analysts' corrections to extracted figures (accept, reject, set, add; reason, who, when): applied on "
                 "every refresh, so a correction survives re-parsing. A row that matches nothing is reported.",
    "INDICATORS_CORRECTIONS", settings.DEFAULT_CORRECTIONS)


class Curation(dg.ConfigurableResource):
    """Where the curation files are: each path a setting, read when the run starts."""

    acknowledged: Optional[str] = Field(
        default=None, description=f"INDICATORS_ACKNOWLEDGED, else {settings.DEFAULT_ACKNOWLEDGED}")
    corrections: Optional[str] = Field(
        default=None, description=f"INDICATORS_CORRECTIONS, else {settings.DEFAULT_CORRECTIONS}")
    min_confidence: Optional[str] = Field(
        default=None, description=f"INDICATORS_MIN_CONFIDENCE, else {settings.DEFAULT_MIN_CONFIDENCE}: figures below it "
                                  "wait for review instead of reaching the facts")

    @property
    def minimum_confidence(self) -> float:
        return settings.min_confidence(self.min_confidence)

    @property
    def acknowledged_path(self) -> Path:
        return settings.acknowledged_path(self.acknowledged)

    @property
    def corrections_path(self) -> Path:
        return settings.corrections_path(self.corrections)


@dg.definitions
def curation() -> dg.Definitions:
    acknowledged = setting("INDICATORS_ACKNOWLEDGED", settings.DEFAULT_ACKNOWLEDGED)
    corrections = setting("INDICATORS_CORRECTIONS", settings.DEFAULT_CORRECTIONS)
    min_confidence = setting("INDICATORS_MIN_CONFIDENCE", str(settings.DEFAULT_MIN_CONFIDENCE))
    return dg.Definitions(assets=[acknowledged_file, corrections_file],
                          resources={"curation": Curation(acknowledged=acknowledged, corrections=corrections,
                                                          min_confidence=min_confidence)})
