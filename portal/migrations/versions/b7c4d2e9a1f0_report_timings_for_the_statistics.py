"""report timings for the statistics

Revision ID: b7c4d2e9a1f0
Revises: 6fb9a531bdf8
Create Date: 2026-12-03 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c4d2e9a1f0'
down_revision = '6fb9a531bdf8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_timing',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opd_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('working_days_to_answer', sa.Integer(), nullable=True),
    sa.Column('answer_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_report_timing_opd_id_opd'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_timing_report_id_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_report_timing'))
    )
    with op.batch_alter_table('report_timing', schema=None) as batch_op:
        batch_op.create_index('ix_report_timing_day_covering', ['day', 'opd_id', 'category', 'working_days_to_answer', 'answer_us'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_timing_answered_on'), ['answered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_timing_opd_id'), ['opd_id'], unique=False)

    # Fill it from the reports already stored (time zone and working days are Python's work).
    from portal.statistik.report_totals import fill

    fill(op.get_bind())


def downgrade():
    with op.batch_alter_table('report_timing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_timing_opd_id'))
        batch_op.drop_index(batch_op.f('ix_report_timing_answered_on'))
        batch_op.drop_index('ix_report_timing_day_covering')

    op.drop_table('report_timing')
