"""report month totals only for closed months: report_month_sealed

Revision ID: d5e2b7a9c1f3
Revises: c3a8f1d2e4b6
Create Date: 2026-12-03 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e2b7a9c1f3'
down_revision = 'c3a8f1d2e4b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_month_sealed',
    sa.Column('month', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_report_month_sealed'))
    )
    # The totals of the months already closed, recounted and sealed; those of the others dropped.
    from portal.statistik.report_totals import fill_months

    fill_months(op.get_bind())


def downgrade():
    op.drop_table('report_month_sealed')
    # The month totals as the revision before keeps them: every month.
    from portal.statistik.report_totals import fill_all_months

    fill_all_months(op.get_bind())
