"""What a trained engagement model must reach before it may be used (asset checks read it)."""

from dagster import ConfigurableResource
from pydantic import Field

from scheduling_platform.intelligence.training import Thresholds


class ModelPolicyResource(ConfigurableResource):
    """The checks' thresholds; the defaults are the original service's promise."""

    min_holdout_r2: float = Field(default=0.75, description="holdout R² must be above this")
    max_cv_spread: float = Field(default=0.1, description="std of CV fold R² must be below")

    def thresholds(self) -> Thresholds:
        return Thresholds(self.min_holdout_r2, self.max_cv_spread)
