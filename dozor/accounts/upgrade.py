"""Bring a database made before the accounts app over to it, without touching a table.

Organisation (once in records) and User (once in security) moved to the accounts app with their
tables unchanged: its first migration only tells Django where the models are now. Django checks,
before it migrates anything, that every applied migration's dependencies are applied too; on such
a database the two-factor app's first migration (applied long ago) now depends on that first
migration of the accounts app (through AUTH_USER_MODEL), which is not, and `migrate` would stop
with "InconsistentMigrationHistory". So `dozor migrate` first records that migration as applied,
which is exactly what applying it would do, and brings the old apps up to where the accounts app
starts.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

ACCOUNTS_FIRST = ("accounts", "0001_initial")
# Applied on every database made before the accounts app: the migration that made security_user.
USERS_FIRST = ("security", "0001_initial")


def accounts_history_align(connection: BaseDatabaseWrapper) -> bool:
    """On a database made before the accounts app, record its first migration (which changes no
    table) as applied and apply what that migration depends on. True if it did anything; False on
    a new or an already upgraded database, which `migrate` handles alone.

    The record comes first: until it is there, Django cannot even build its picture of the applied
    migrations (the two-factor app's points at ``accounts.user``). Run again after an interruption,
    it applies whatever of the dependencies is still missing.
    """
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = recorder.applied_migrations()
    if USERS_FIRST not in applied:
        return False
    executor = MigrationExecutor(connection)
    targets = sorted(
        parent.key for parent in executor.loader.graph.node_map[ACCOUNTS_FIRST].parents
    )
    if ACCOUNTS_FIRST in applied and all(target in applied for target in targets):
        return False
    if ACCOUNTS_FIRST not in applied:
        recorder.record_applied(*ACCOUNTS_FIRST)
        executor.loader.build_graph()
    plan = executor.migration_plan(targets)
    if plan:
        executor.migrate(targets, plan=plan)
    return True
