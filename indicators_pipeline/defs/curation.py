"""The analysts' curation files (data/curation/): an external asset each, and the resource that finds them.

Only acknowledged.csv so far; another curation file gets a field here and a spec beside it.
"""

from pathlib import Path
from typing import Optional

import dagster as dg
from pydantic import Field

from indicators_pipeline import settings
from indicators_pipeline.defs.resources import setting
from indicators_pipeline.defs.specs import OWNERS

ACKNOWLEDGED = dg.AssetKey(["curation", "acknowledged"])

acknowledged_file = dg.AssetSpec(
    ACKNOWLEDGED, group_name="curation", kinds={"csv"}, owners=OWNERS,
    description="Findings a reviewer acknowledged (rule, province, year, indicator, reason, who): they stay in "
                "marts.quality_findings, marked, and no longer fail their check. A row matching nothing is reported.",
    metadata={"setting": "INDICATORS_ACKNOWLEDGED", "default": dg.MetadataValue.path(settings.DEFAULT_ACKNOWLEDGED)},
)


class Curation(dg.ConfigurableResource):
    """Where the curation files are: each path a setting, read when the run starts."""

    acknowledged: Optional[str] = Field(
        default=None, description=f"INDICATORS_ACKNOWLEDGED, else {settings.DEFAULT_ACKNOWLEDGED}")

    @property
    def acknowledged_path(self) -> Path:
        return settings.acknowledged_path(self.acknowledged)


@dg.definitions
def curation() -> dg.Definitions:
    acknowledged = setting("INDICATORS_ACKNOWLEDGED", settings.DEFAULT_ACKNOWLEDGED)
    return dg.Definitions(assets=[acknowledged_file], resources={"curation": Curation(acknowledged=acknowledged)})
