"""The French report of a dataset import: what would be (or was) created, proposed, left
unchanged, and the possible duplicates."""

from directory import messages as m
from directory.imports.datasets import Plan
from directory.imports.drafting import french_date, place

HOW = {"identifiant": m.DATASET_HOW_IDENTIFIER, "nom-commune": m.DATASET_HOW_NAME}


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def report_lines(result: Plan, written: dict | None = None) -> list[str]:
    """Return the report; `written` is what `apply` wrote, None for a dry run."""
    file, applied = result.file, written is not None
    when = m.DATASET_AS_OF.format(date=french_date(file.date)) if file.date else ""
    header = m.DATASET_HEADER.format(
        dataset=file.dataset, when=when, read=_n(file.read), kept=_n(len(file.rows))
    )
    lines = [header, *_drafts(result, applied), *_proposals(result, applied)]
    lines += _duplicates(result) + _left_alone(result)
    if applied:
        drafts, proposals = _n(written["drafts"]), _n(written["proposals"])
        lines.append(m.DATASET_WRITTEN.format(drafts=drafts, n=proposals))
    else:
        lines.append(m.DATASET_DRY_RUN)
    return lines


def _drafts(result: Plan, applied: bool) -> list[str]:
    created = result.of("create")
    lines = [(m.DATASET_CREATED if applied else m.DATASET_TO_CREATE).format(n=_n(len(created)))]
    for o in created:
        dropped = m.DATASET_DROPPED.format(keys=", ".join(o.dropped)) if o.dropped else ""
        slug = o.data["slug"] if o.data else "?"
        lines.append(
            m.DATASET_DRAFT_LINE.format(
                name=o.row.name, ref=o.row.ref, slug=slug, place=place(o.row.commune),
                dropped=dropped,
            )
        )  # fmt: skip
    return lines


def _proposals(result: Plan, applied: bool) -> list[str]:
    proposed = result.of("propose")
    fields = sum(len(o.changes) for o in proposed)
    label = m.DATASET_PROPOSED if applied else m.DATASET_TO_PROPOSE
    lines = [label.format(fiches=_n(len(proposed)), fields=_n(fields))]
    for o in proposed:
        keys = ", ".join(o.changes)
        line = m.DATASET_PROPOSAL_LINE.format(
            slug=o.fiche.slug, ref=o.row.ref, how=HOW[o.how], keys=keys
        )
        lines.append(line)
    return lines


def _duplicates(result: Plan) -> list[str]:
    doubtful = [o for o in result.of("create") if o.duplicates]
    lines = [m.DATASET_DUPLICATES.format(n=_n(len(doubtful)))]
    for o in doubtful:
        slugs = ", ".join(c.slug for c in o.duplicates)
        lines.append(m.DATASET_DUPLICATE_LINE.format(name=o.row.name, ref=o.row.ref, slugs=slugs))
    return lines


def _left_alone(result: Plan) -> list[str]:
    lines = [m.DATASET_UNCHANGED.format(n=_n(len(result.of("unchanged"))))]
    archived = result.of("archived")
    if archived:
        lines.append(m.DATASET_ARCHIVED.format(n=_n(len(archived))))
        lines += [
            m.DATASET_ARCHIVED_LINE.format(slug=o.fiche.slug, ref=o.row.ref) for o in archived
        ]
    return lines
