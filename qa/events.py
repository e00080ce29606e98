"""QA state changes go to the audit log (compliance's one write path), in the caller's transaction."""

from compliance.audit import audit_record
from compliance.models import AuditAction


def qa_audit(*, actor, summary, obj=None, object_type="", details=None, action=AuditAction.ADMIN_ACTION):
    """One audit entry about OBJ (or, for a batch, about OBJECT_TYPE)."""
    return audit_record(
        action=action,
        actor=actor,
        summary=summary,
        object_type=f"qa.{obj._meta.model_name}" if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        details=details or {},
    )
