"""Code run in child processes by test_workers.py (importable, for the spawn start method)."""

from sqlalchemy import select


def change_summary(config: dict, slug: str, word: str, barrier) -> None:
    """Change one fiche's summary through the app and commit at the same time as the other."""
    from directory import create_app
    from directory.extensions import db
    from directory.fiches.models import Fiche

    app = create_app(config)
    with app.app_context():
        fiche = db.session.scalar(select(Fiche).where(Fiche.slug == slug))
        # End the read transaction: on SQLite a transaction that read before the other
        # process committed could not write afterwards (a database matter, not the index's).
        db.session.close()
        barrier.wait(timeout=30)  # both commit (and write the index) at the same moment
        db.session.add(fiche)
        fiche.summary = f"{fiche.summary} {word}"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
