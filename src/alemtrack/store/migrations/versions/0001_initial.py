"""Initial schema: patients, resources, evaluations, due items, lab points, adherence, alerts
and their history, the import ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fhir_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fhir_id"),
    )
    op.create_table(
        "adherence_items",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("patient_id", "item"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("severity_rank", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_alerts_patient_rule", "alerts", ["patient_id", "rule", "status"], unique=False
    )
    op.create_index("ix_alerts_patient_status", "alerts", ["patient_id", "status"], unique=False)
    op.create_index("ix_alerts_status_rank", "alerts", ["status", "severity_rank"], unique=False)
    op.create_table(
        "due_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_due_items_due", "due_items", ["due"], unique=False)
    op.create_index("ix_due_items_patient_due", "due_items", ["patient_id", "due"], unique=False)
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("superseded", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "lab_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("analyte", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("qual", sa.String(length=16), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("ref_low", sa.Float(), nullable=True),
        sa.Column("ref_high", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_lab_points_patient", "lab_points", ["patient_id", "analyte", "date"], unique=False
    )
    op.create_table(
        "patient_state",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("monitoring_until", sa.Date(), nullable=True),
        sa.Column("next_course_number", sa.Integer(), nullable=False),
        sa.Column("next_course_status", sa.String(length=32), nullable=False),
        sa.Column("earliest_start", sa.Date(), nullable=True),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("course_number", sa.Integer(), nullable=True),
        sa.Column("course_first_day", sa.Date(), nullable=True),
        sa.Column("course_end", sa.Date(), nullable=True),
        sa.Column("activity_after_course", sa.Boolean(), nullable=False),
        sa.Column("next_course_not_before", sa.Date(), nullable=True),
        sa.Column("creatinine_baseline", sa.Float(), nullable=True),
        sa.Column("adherence_due", sa.Integer(), nullable=False),
        sa.Column("adherence_on_time", sa.Integer(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("patient_id"),
    )
    op.create_index(
        "ix_patient_state_course", "patient_state", ["course_first_day", "course_end"], unique=False
    )
    op.create_index(
        "ix_patient_state_next",
        "patient_state",
        ["next_course_number", "next_course_status"],
        unique=False,
    )
    op.create_index("ix_patient_state_phase", "patient_state", ["phase"], unique=False)
    op.create_index(
        "ix_patient_state_planned", "patient_state", ["planned_start", "planned_end"], unique=False
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_events_alert", "alert_events", ["alert_id"], unique=False)
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("rtype", sa.String(length=64), nullable=False),
        sa.Column("rid", sa.String(length=200), nullable=False),
        sa.Column("full_url", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("meta_version", sa.String(length=64), nullable=True),
        sa.Column("identifier_key", sa.String(length=400), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("effective", sa.Date(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["resources.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_resources_identifier", "resources", ["patient_id", "identifier_key"], unique=False
    )
    op.create_index(
        "ix_resources_ref", "resources", ["patient_id", "rtype", "rid", "current"], unique=False
    )
    op.create_index(
        "ix_resources_type_effective", "resources", ["rtype", "effective"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_resources_type_effective", table_name="resources")
    op.drop_index("ix_resources_ref", table_name="resources")
    op.drop_index("ix_resources_identifier", table_name="resources")
    op.drop_table("resources")
    op.drop_index("ix_alert_events_alert", table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index("ix_patient_state_planned", table_name="patient_state")
    op.drop_index("ix_patient_state_phase", table_name="patient_state")
    op.drop_index("ix_patient_state_next", table_name="patient_state")
    op.drop_index("ix_patient_state_course", table_name="patient_state")
    op.drop_table("patient_state")
    op.drop_index("ix_lab_points_patient", table_name="lab_points")
    op.drop_table("lab_points")
    op.drop_table("import_batches")
    op.drop_index("ix_due_items_patient_due", table_name="due_items")
    op.drop_index("ix_due_items_due", table_name="due_items")
    op.drop_table("due_items")
    op.drop_index("ix_alerts_status_rank", table_name="alerts")
    op.drop_index("ix_alerts_patient_status", table_name="alerts")
    op.drop_index("ix_alerts_patient_rule", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("adherence_items")
    op.drop_table("patients")
