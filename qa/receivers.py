"""tickets announces changes after commit; QA reacts here (tickets never imports qa)."""

import logging

logger = logging.getLogger(__name__)


def on_ticket_changed(sender, ticket, event, **kwargs):
    """A solved ticket gets its customer survey, by a task: the email never runs in the solving request."""
    if event != "ticket.solved":
        return
    from .tasks import survey_send_task

    try:
        survey_send_task.delay(ticket.pk)
    except Exception:  # the solve has committed; a broker problem must not turn it into an error page
        logger.exception("survey for ticket %s not queued", ticket.pk)
