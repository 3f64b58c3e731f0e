"""Alembic's environment: migrations run on the connection core.store hands over (config.attributes), or, from
Alembic's command line, on $NN_GROUND_UP_DATABASE_URL (`alembic -c core/migrations/alembic.ini upgrade head`)."""

from alembic import context

from core import store

connection = context.config.attributes.get("connection")
if connection is None:
    engine = store.Store(store.default_url()).engine
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=store.metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=store.metadata, render_as_batch=True)
    context.run_migrations()
