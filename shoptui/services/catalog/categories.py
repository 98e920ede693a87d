"""Categories: a tree of named, slugged categories with paths; create, rename, move, reorder, delete."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import String, func, literal, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import id_of
from shoptui.models.catalog import (
    Category,
    Product,
)
from shoptui.services import shop
from shoptui.services.catalog.fields import clean_text, required_text, slugify

CATEGORY_SEPARATOR = " > "


class CategoryRead(BaseModel):
    """A category as it leaves the service, with its place in the tree."""

    id: int
    parent_id: int | None
    name: str
    slug: str
    position: int
    path: str
    depth: int = 0
    full_name: str = ""  # "Clothing > T-shirts"
    product_count: int = 0  # products directly in this category


def category_row(session: Session, category_id: int, *, name: str | None = None) -> Category:
    """The category row; NotFound naming the input field ``name`` (``category_id``, ``parent_id``) when there is none."""
    row = session.get(Category, category_id)
    if row is None:
        raise NotFound(f"There is no category with id {category_id}. See 'shoptui category list'.", field=name)
    return row


def resolve_category(*, session: Session, ref: str | int) -> CategoryRead:
    """A category by id, slug, exact name, or full name (``Clothing > T-shirts``). Raises NotFound."""
    return _read_category(session, _resolve_category_row(session, ref))


def _resolve_category_row(session: Session, ref: str | int) -> Category:
    if isinstance(ref, int):
        return category_row(session, ref)
    raw = clean_text(ref)
    if not raw:
        raise InvalidInput("Name a category by its id, slug or name.")
    if raw.isdigit():
        row = session.get(Category, int(raw))
        if row is not None:
            return row
    row = session.exec(select(Category).where(Category.slug == raw.lower())).first()
    if row is not None:
        return row
    by_path = category_paths(session=session)
    matches = [cid for cid, full in by_path.items() if full.lower() == raw.lower()]
    if not matches:
        matches = [id_of(c) for c in session.exec(select(Category).where(func.lower(col(Category.name)) == raw.lower()))]
    if len(matches) == 1:
        return category_row(session, matches[0])
    if len(matches) > 1:
        names = ", ".join(f"{by_path[m]} (id {m})" for m in matches[:5])
        raise InvalidInput(f"The category name {raw!r} is ambiguous: {names}. Use the full name or the id.")
    raise NotFound(f"There is no category {raw!r}. See 'shoptui category list' or create it with 'shoptui category add'.")


def category_paths(*, session: Session) -> dict[int, str]:
    """Every category's full name (``Clothing > T-shirts``) by id."""
    rows = session.execute(sa_select(col(Category.id), col(Category.parent_id), col(Category.name))).all()
    by_id = {r.id: r for r in rows}
    cache: dict[int, str] = {}

    def full(cid: int) -> str:
        if cid not in cache:
            row = by_id[cid]
            cache[cid] = row.name if row.parent_id is None else full(row.parent_id) + CATEGORY_SEPARATOR + row.name
        return cache[cid]

    return {cid: full(cid) for cid in by_id}


def _read_category(session: Session, row: Category, full_name: str | None = None, count: int = 0) -> CategoryRead:
    assert row.id is not None
    if full_name is None:
        full_name = category_paths(session=session)[row.id]
    return CategoryRead(id=row.id, parent_id=row.parent_id, name=row.name, slug=row.slug, position=row.position,
                        path=row.path, depth=row.path.count("/") - 2, full_name=full_name, product_count=count)


def list_categories(*, session: Session) -> list[CategoryRead]:
    """The whole tree, depth first, siblings by position, with direct product counts."""
    rows = list(session.exec(select(Category)))
    counts = dict(session.exec(
        select(Product.category_id, func.count()).where(col(Product.category_id).is_not(None))
        .group_by(col(Product.category_id))
    ).all())
    names = category_paths(session=session)
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[CategoryRead] = []

    def walk(parent: int | None) -> None:
        for child in sorted(children.get(parent, []), key=lambda c: (c.position, c.name, c.id or 0)):
            assert child.id is not None
            out.append(_read_category(session, child, names[child.id], counts.get(child.id, 0)))
            walk(child.id)

    walk(None)
    return out


def _check_category_name(session: Session, name: str, parent_id: int | None, exclude: int | None = None) -> str:
    cleaned = required_text(name, "category name", 100, name="name")
    if ">" in cleaned or "/" == cleaned:
        raise InvalidInput(f"The category name {cleaned!r} cannot contain '>' (it separates levels in full names).", field="name")
    query = select(Category.id).where(func.lower(col(Category.name)) == cleaned.lower())
    query = query.where(col(Category.parent_id).is_(None) if parent_id is None else col(Category.parent_id) == parent_id)
    if exclude is not None:
        query = query.where(Category.id != exclude)
    if session.execute(query).first() is not None:
        raise Conflict(f"There is already a category {cleaned!r} at that level; pick another name.", field="name")
    return cleaned


def _unique_slug(session: Session, wanted: str, exclude: int | None = None) -> str:
    base = slugify(wanted)
    slug, n = base, 1
    while True:
        query = select(Category.id).where(Category.slug == slug)
        if exclude is not None:
            query = query.where(Category.id != exclude)
        if session.execute(query).first() is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def create_category(*, session: Session, actor: Actor, name: str, parent_id: int | None = None,
                    slug: str | None = None, position: int | None = None) -> CategoryRead:
    """A new category at the top or under ``parent_id``; at the end of its siblings by default."""
    parent = category_row(session, parent_id, name="parent_id") if parent_id is not None else None
    cleaned = _check_category_name(session, name, parent_id)
    if slug is not None:
        wanted = slugify(slug)
        if session.execute(select(Category.id).where(Category.slug == wanted)).first() is not None:
            raise Conflict(f"The slug {wanted!r} is already used by another category; pick another.", field="slug")
    else:
        wanted = _unique_slug(session, cleaned)
    siblings = _siblings(session, parent_id)
    if (parent.path.count("/") if parent else 1) > 30:
        raise InvalidInput("Categories can nest at most 30 levels deep.", field="parent_id")
    row = Category(name=cleaned, slug=wanted, parent_id=parent_id, position=len(siblings), path="/")
    session.add(row)
    session.flush()
    row.path = f"{parent.path if parent else '/'}{row.id}/"
    if position is not None:
        _place(session, row, siblings, position)
    session.flush()
    shop.record(session=session, actor=actor, action="category.create", entity="category", entity_id=row.id,
                 summary=f"created category {cleaned}", after={"name": cleaned, "slug": wanted, "parent_id": parent_id})
    return _read_category(session, row)


def _siblings(session: Session, parent_id: int | None, exclude: int | None = None) -> list[Category]:
    query = select(Category).where(col(Category.parent_id).is_(None) if parent_id is None
                                   else col(Category.parent_id) == parent_id)
    if exclude is not None:
        query = query.where(Category.id != exclude)
    return list(session.exec(query.order_by(col(Category.position), col(Category.name), col(Category.id))))


def _place(session: Session, row: Category, siblings: list[Category], position: int) -> None:
    if position < 0:
        raise InvalidInput(f"The position must be 0 or more, not {position}.", field="position")
    others = [s for s in siblings if s.id != row.id]
    others.insert(min(position, len(others)), row)
    for index, sibling in enumerate(others):
        sibling.position = index


def rename_category(*, session: Session, actor: Actor, category_id: int, name: str, slug: str | None = None) -> CategoryRead:
    """Give a category a new name (and slug when given)."""
    row = category_row(session, category_id)
    before = {"name": row.name, "slug": row.slug}
    row.name = _check_category_name(session, name, row.parent_id, exclude=row.id)
    if slug is not None:
        wanted = slugify(slug)
        if session.execute(select(Category.id).where(Category.slug == wanted, Category.id != row.id)).first():
            raise Conflict(f"The slug {wanted!r} is already used by another category; pick another.", field="slug")
        row.slug = wanted
    row.updated_at = clock.now()
    session.flush()
    shop.record(session=session, actor=actor, action="category.rename", entity="category", entity_id=row.id,
                 summary=f"renamed category {before['name']} to {row.name}", before=before,
                 after={"name": row.name, "slug": row.slug})
    return _read_category(session, row)


def move_category(*, session: Session, actor: Actor, category_id: int, parent_id: int | None,
                  position: int | None = None) -> CategoryRead:
    """Move a category (with everything under it) under another parent, or to the top with None."""
    row = category_row(session, category_id)
    parent = category_row(session, parent_id, name="parent_id") if parent_id is not None else None
    if parent is not None and parent.path.startswith(row.path):
        where = "itself" if parent.id == row.id else f"its own subcategory {parent.name!r}"
        raise InvalidInput(f"The category {row.name!r} cannot move under {where}; pick a parent outside it.", field="parent_id")
    _check_category_name(session, row.name, parent_id, exclude=row.id)
    before = {"parent_id": row.parent_id, "position": row.position, "path": row.path}
    old_path = row.path
    new_path = f"{parent.path if parent else '/'}{row.id}/"
    depth_after = max((p.count("/") for p in session.exec(
        select(Category.path).where(col(Category.path).startswith(old_path)))), default=0) - old_path.count("/") + new_path.count("/")
    if depth_after > 32:
        raise InvalidInput("Categories can nest at most 30 levels deep.", field="parent_id")
    if row.parent_id != parent_id:
        old_siblings = _siblings(session, row.parent_id, exclude=row.id)
        for index, sibling in enumerate(old_siblings):
            sibling.position = index
        row.parent_id = parent_id
        session.flush()
        session.execute(
            update(Category).where(col(Category.path).startswith(old_path))
            .values(path=literal(new_path, String) + func.substr(col(Category.path), len(old_path) + 1, type_=String))
            .execution_options(synchronize_session=False)
        )
        session.expire_all()
        row = category_row(session, category_id)
    siblings = _siblings(session, parent_id)
    _place(session, row, siblings, len(siblings) if position is None else position)
    row.updated_at = clock.now()
    session.flush()
    shop.record(session=session, actor=actor, action="category.move", entity="category", entity_id=row.id,
                 summary=f"moved category {row.name}", before=before,
                 after={"parent_id": row.parent_id, "position": row.position, "path": row.path})
    return _read_category(session, row)


def reorder_category(*, session: Session, actor: Actor, category_id: int, position: int) -> CategoryRead:
    """Put a category at ``position`` (0 = first) among its siblings."""
    row = category_row(session, category_id)
    before = row.position
    _place(session, row, _siblings(session, row.parent_id), position)
    session.flush()
    shop.record(session=session, actor=actor, action="category.reorder", entity="category", entity_id=row.id,
                 summary=f"moved category {row.name} to position {row.position}",
                 before={"position": before}, after={"position": row.position})
    return _read_category(session, row)


def delete_category(*, session: Session, actor: Actor, category_id: int, move_to: int | None = None) -> str:
    """Delete an empty category, or move its products and children to ``move_to`` first.

    Returns a sentence saying what happened.
    """
    shop.require(session=session, actor=actor, permission="delete")  # refused before anything is looked up
    row = category_row(session, category_id)
    children = _siblings(session, row.id)
    products = session.exec(select(func.count()).where(Product.category_id == row.id)).one()
    moved = ""
    if move_to is not None:
        target = category_row(session, move_to)
        if target.path.startswith(row.path):
            raise InvalidInput(f"The products of {row.name!r} cannot move to {target.name!r}: it is the category "
                               "being deleted or inside it. Pick a category outside it.")
        now = clock.now()
        session.execute(update(Product).where(col(Product.category_id) == row.id)
                        .values(category_id=target.id, updated_at=now, version=col(Product.version) + 1)
                        .execution_options(synchronize_session=False))
        for child in children:
            assert child.id is not None
            move_category(session=session, actor=actor, category_id=child.id, parent_id=target.id)
        moved = f"; moved {products} products and {len(children)} subcategories to {target.name}"
    elif children or products:
        raise Conflict(
            f"The category {row.name!r} still holds {products} products and {len(children)} subcategories. "
            "Move them first, or delete with --move-to OTHER."
        )
    session.expire_all()
    row = category_row(session, category_id)
    siblings = _siblings(session, row.parent_id, exclude=row.id)
    name = row.name
    session.delete(row)
    for index, sibling in enumerate(siblings):
        sibling.position = index
    session.flush()
    shop.record(session=session, actor=actor, action="category.delete", entity="category", entity_id=category_id,
                 summary=f"deleted category {name}{moved}",
                 before={"name": name, "parent_id": row.parent_id, "path": row.path}, after=None)
    return f"Deleted category {name}{moved}."
