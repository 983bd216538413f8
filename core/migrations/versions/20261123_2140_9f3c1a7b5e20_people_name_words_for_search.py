"""people: name words and name entries for search

Revision ID: 9f3c1a7b5e20
Down revision: '52283638b954'
Create Date: 2026-11-23 21:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9f3c1a7b5e20'
down_revision: str | None = '52283638b954'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person_name_word',
    sa.Column('word', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_person_name_word'))
    )
    op.create_table('person_name_entry',
    sa.Column('word', sa.Text(), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('first_names', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_name_entry_person_id_person'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('word', 'last_name', 'first_names', 'person_id', name=op.f('pk_person_name_entry'))
    )
    with op.batch_alter_table('person_name_entry', schema=None) as batch_op:
        batch_op.create_index('ix_person_name_entry_person_id_word', ['person_id', 'word'], unique=False)
    bind = op.get_bind()
    # existing people: every word of each search key (merged records are left out of search, so of the entries)
    if bind.dialect.name == 'postgresql':
        op.create_index('ix_person_name_word_trgm', 'person_name_word', ['word'], unique=False,
                        postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})
        op.execute("CREATE INDEX ix_person_search_words ON person USING gin (string_to_array(search_name, ' '))")
        op.execute(
            "INSERT INTO person_name_entry (word, last_name, first_names, person_id) "
            "SELECT DISTINCT word, last_name, first_names, id FROM person, unnest(string_to_array(search_name, ' ')) "
            "AS word WHERE merged_into_id IS NULL AND word <> ''"
        )
        op.execute(
            "INSERT INTO person_name_word (word) "
            "SELECT DISTINCT word FROM person, unnest(string_to_array(search_name, ' ')) AS word WHERE word <> ''"
        )
    else:
        op.create_index('ix_person_name_word_trgm', 'person_name_word', ['word'], unique=False)
        words: set[str] = set()
        entries = []
        for person_id, last_name, first_names, search_name, merged in bind.execute(
            sa.text("SELECT id, last_name, first_names, search_name, merged_into_id FROM person")
        ):
            mine = set((search_name or '').split())
            words |= mine
            if merged is None:
                entries += [{'word': word, 'last_name': last_name, 'first_names': first_names, 'person_id': person_id}
                            for word in mine]
        if words:
            bind.execute(sa.text("INSERT INTO person_name_word (word) VALUES (:word)"), [{'word': w} for w in words])
        if entries:
            bind.execute(sa.text("INSERT INTO person_name_entry (word, last_name, first_names, person_id) "
                                 "VALUES (:word, :last_name, :first_names, :person_id)"), entries)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_person_search_words")
    op.drop_table('person_name_entry')
    op.drop_table('person_name_word')
