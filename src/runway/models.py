"""Every table of the app: importing this module registers all models on ``runway.db.Base.metadata``.

Alembic's ``env.py`` and the tests import it; application code imports the domain modules it needs.
"""

from runway.bundle.models import (
    BundleDescriptorMapping,
    CustomDescriptorMapping,
    EarthmoverBundle,
    PartnerEarthmoverBundle,
)
from runway.db import Base
from runway.job.models import Job, JobFile, JobNote, Run, RunError, RunOutputFile, RunOutputFileSet, RunUpdate
from runway.ods.models import OdsConfig, OdsConnection
from runway.partner.models import Partner
from runway.school_year.models import SchoolYear, SchoolYearConfig
from runway.tenant.models import Tenant
from runway.user.models import User, UserTenant

metadata = Base.metadata

__all__ = [
    "BundleDescriptorMapping",
    "CustomDescriptorMapping",
    "EarthmoverBundle",
    "Job",
    "JobFile",
    "JobNote",
    "OdsConfig",
    "OdsConnection",
    "Partner",
    "PartnerEarthmoverBundle",
    "Run",
    "RunError",
    "RunOutputFile",
    "RunOutputFileSet",
    "RunUpdate",
    "SchoolYear",
    "SchoolYearConfig",
    "Tenant",
    "User",
    "UserTenant",
    "metadata",
]
