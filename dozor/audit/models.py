"""The audit trail: an append-only, hash-chained log of writes and of reads of identifying data."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Action(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    IMPORT = "import", _("imported")
    LINK = "link", _("linked")
    UNLINK = "unlink", _("unlinked")
    LINK_DECISION = "link_decision", _("link decision")
    EXPORT = "export", _("exported")
    PUBLISH = "publish", _("published")
    VIEW_NAMES = "view_names", _("viewed names")
    VIEW = "view", _("viewed")
    PRINT = "print", _("printed")
    ESTIMATE = "estimate", _("estimate run")
    USER_CHANGE = "user_change", _("user changed")
    REFUSED = "refused", _("refused")
    REFUSAL_ALERT = "refusal_alert", _("many refusals")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """No bulk update or delete: the trail only grows."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit trail is append-only: entries cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit trail is append-only: entries cannot be deleted.")


class AuditEntry(models.Model):
    """Who did what to which record, when and from where; chained to the entry before it.

    The actor and the target are stored as plain values, not foreign keys: deleting a user or a
    record must never reach into the trail (and on PostgreSQL a trigger would refuse it anyway).
    """

    at = models.DateTimeField(_("when"))
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    actor = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("record type"), max_length=60, blank=True)
    target_id = models.CharField(_("record id"), max_length=60, blank=True)
    target_label = models.CharField(_("record"), max_length=120, blank=True)
    changes = models.JSONField(_("what changed"), default=dict, blank=True)
    origin = models.CharField(_("from"), max_length=60, blank=True)
    ip_address = models.CharField(_("address"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target_idx"),
            models.Index(fields=["actor_id", "id"], name="audit_actor_idx"),
            # The refusal log and its alert read the latest entries of one action.
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("The audit trail is append-only: entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit trail is append-only: entries cannot be deleted.")


class AuditChainHead(models.Model):
    """One row: the last entry's id and hash. Appends lock it, so the chain never forks, and
    verification compares it with the last entry, so removing entries from the end shows."""

    last_entry_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    entries = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_single_head")]

    def __str__(self) -> str:
        return f"audit chain head: entry {self.last_entry_id}"
