"""Rubric versions: a draft is edited, publishing it retires the market's previous version.

Reviews keep pointing at the exact version they were scored on, so a new version never changes an old score.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from compliance.models import AuditAction

from .events import qa_audit
from .models import Criterion, Rubric, RubricStatus


def rubric_create_draft(*, market, actor, name=None, at=None):
    """A new draft version of MARKET's rubric, starting as a copy of its latest version."""
    now = at or timezone.now()
    with transaction.atomic():
        latest = Rubric.objects.select_for_update().filter(market=market).order_by("-version").first()
        version = (Rubric.objects.filter(market=market).aggregate(v=Max("version"))["v"] or 0) + 1
        rubric = Rubric.objects.create(
            market=market,
            version=version,
            name=name or (latest.name if latest else f"{market.name} rubric"),
            created_at=now,
            created_by=actor,
        )
        if latest is not None:
            Criterion.objects.bulk_create(
                Criterion(
                    rubric=rubric,
                    position=c.position,
                    name=c.name,
                    weight=c.weight,
                    scale=c.scale,
                    point_descriptions=c.point_descriptions,
                    auto_fail=c.auto_fail,
                )
                for c in latest.criteria.all()
            )
        qa_audit(actor=actor, obj=rubric, summary=f"Draft {rubric} created", action=AuditAction.POLICY_CHANGE)
    return rubric


def rubric_save(*, rubric, name, criteria, actor):
    """Replace a draft's name and criteria. CRITERIA: [{name, weight, scale, point_descriptions, auto_fail}]."""
    rows = [Criterion(rubric=rubric, position=i, **values) for i, values in enumerate(criteria, start=1)]
    if not rows:
        raise ValidationError({"criteria": "A rubric needs at least one criterion."})
    for row in rows:
        row.full_clean(exclude=["rubric"])
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        if rubric.status != RubricStatus.DRAFT:
            raise ValidationError("Only a draft changes; create a new version to change a published rubric.")
        rubric.name = name.strip() or rubric.name
        rubric.save(update_fields=["name"])
        rubric.criteria.all().delete()
        Criterion.objects.bulk_create(rows)
        qa_audit(
            actor=actor,
            obj=rubric,
            summary=f"Draft {rubric} saved with {len(rows)} criteria",
            details={"criteria": [{"name": r.name, "weight": r.weight, "scale": r.scale} for r in rows]},
            action=AuditAction.POLICY_CHANGE,
        )
    return rubric


def rubric_publish(*, rubric, actor, at=None):
    now = at or timezone.now()
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        if rubric.status != RubricStatus.DRAFT:
            raise ValidationError("Only a draft is published.")
        if not rubric.criteria.exists():
            raise ValidationError("A rubric needs at least one criterion.")
        Rubric.objects.filter(market_id=rubric.market_id, status=RubricStatus.PUBLISHED).update(
            status=RubricStatus.RETIRED
        )
        rubric.status, rubric.published_at = RubricStatus.PUBLISHED, now
        rubric.save(update_fields=["status", "published_at"])
        qa_audit(actor=actor, obj=rubric, summary=f"{rubric} published", action=AuditAction.POLICY_CHANGE)
    return rubric
