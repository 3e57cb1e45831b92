"""report remembers it was filed anonymous

Anonymity is a property of the report: once anonymous, the contact data stays hidden from the
agency even after the visibility changes. Existing reports are marked from their visibility and
from the audit trail (reports made confidential while anonymous).

Revision ID: 7e7e12a521e0
Revises: 298ee0d343a1
Create Date: 2026-12-03 10:20:30.956509

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e7e12a521e0'
down_revision = '298ee0d343a1'
branch_labels = None
depends_on = None

report = sa.table("report", sa.column("id", sa.Integer), sa.column("visibility", sa.String),
                  sa.column("filed_anonymous", sa.Boolean))
audit_event = sa.table("audit_event", sa.column("action", sa.String), sa.column("object_type", sa.String),
                       sa.column("object_id", sa.Integer), sa.column("before", sa.JSON),
                       sa.column("after", sa.JSON))


def was_anonymous(values) -> bool:
    return isinstance(values, dict) and values.get("visibility") == "anonymous"


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_anonymous', sa.Boolean(), server_default=sa.false(), nullable=False))

    connection = op.get_bind()
    events = connection.execute(
        sa.select(audit_event.c.object_id, audit_event.c.before, audit_event.c.after)
        .where(audit_event.c.object_type == "Report",
               audit_event.c.action.in_(["report.create", "report.hide"]))
    )
    ids = {row.object_id for row in events if was_anonymous(row.before) or was_anonymous(row.after)}
    connection.execute(sa.update(report).where(report.c.visibility == "anonymous").values(filed_anonymous=True))
    if ids:
        connection.execute(sa.update(report).where(report.c.id.in_(sorted(ids))).values(filed_anonymous=True))

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_check_constraint("anonymity_kept", "visibility != 'anonymous' OR filed_anonymous")


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint("anonymity_kept", type_="check")
        batch_op.drop_column('filed_anonymous')
