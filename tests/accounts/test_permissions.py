"""The named predicates of directory/accounts/permissions.py, role by role."""

from flask_login import AnonymousUserMixin

from directory.accounts import permissions as perm
from directory.extensions import db
from tests.accounts.grid_world import ROLES, build_world


def _names(user) -> set[str]:
    return {f.name for f in db.session.scalars(perm.visible_fiches(user))}


def test_predicates_for_every_role(app):
    world = build_world()
    users = {r: world.users[r] or AnonymousUserMixin() for r in ROLES}
    pub, draft = world.fiches["pub"], world.fiches["draft"]
    expected = {
        # role: (is_admin, is_member, can_edit, can_view draft, audience of the published fiche)
        "anonyme": (False, False, False, False, "public"),
        "membre": (False, True, False, False, "membre"),
        "editeur_autre": (False, True, False, False, "membre"),
        "editeur": (False, True, True, True, "editeur"),
        "admin": (True, True, True, True, "editeur"),
    }
    for role, (admin, member, edit, view_draft, audience) in expected.items():
        user = users[role]
        assert perm.is_admin(user) is admin, role
        assert perm.is_member(user) is member, role
        assert perm.can_edit_fiche(user, pub) is edit, role
        assert perm.can_view_fiche(user, pub), role
        assert perm.can_view_fiche(user, draft) is view_draft, role
        assert perm.fiche_audience(user, pub) == audience, role
        assert (draft.name in _names(user)) is view_draft, role
        assert pub.name in _names(user), role


def test_organisations_an_editor_may_create_fiches_for(app):
    world = build_world()
    mine = world.fiches["pub"].porteurs[0]
    editor, other, admin = (world.users[r] for r in ("editeur", "editeur_autre", "admin"))
    assert [o.id for o in perm.editable_organisations(editor)] == [mine.id]
    assert perm.can_create_fiche_for(editor, mine)
    assert not perm.can_create_fiche_for(other, mine)
    assert perm.can_create_fiche_for(admin, mine)
    assert perm.editable_organisations(AnonymousUserMixin()) == []
    assert perm.editable_organisations(world.users["membre"]) == []


def test_a_deactivated_editor_loses_every_right(app):
    world = build_world()
    editor = world.users["editeur"]
    editor.active = False
    assert not perm.is_member(editor)
    assert not perm.can_edit_fiche(editor, world.fiches["pub"])
    assert world.fiches["draft"].name not in _names(editor)
