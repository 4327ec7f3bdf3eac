"""``flask --app lms users ...``: accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from lms import mail
from lms.accounts import invitations, services
from lms.accounts.models import Role, User
from lms.extensions import db, utcnow

users_cli = AppGroup("users", help="Create and manage accounts.")

ROLE_CHOICE = click.Choice([r.value for r in Role])
STATUS_CHOICE = click.Choice([s.value for s in services.UserStatus])


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _user(email: str) -> User:
    user = services.find_user_by_email(email)
    if user is None:
        _fail(f"No account uses the email address {email!r}.")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="Full name, as on certificates.")
@click.option("--role", type=ROLE_CHOICE, default=Role.LEARNER.value, show_default=True)
@click.option("--profession", default="", help="Profession or training level.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
def create_user(email, full_name, role, profession, password_stdin):
    """Create an account with EMAIL; the password is prompted for (never an argument)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            email=email,
            full_name=full_name,
            role=role,
            password=password,
            profession=profession,
            via="cli",
        )
    except services.AccountError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created {user.role} {user.full_name} <{user.email}>.")


@users_cli.command("list")
@click.option("--role", type=ROLE_CHOICE, help="Only accounts with this role.")
@click.option("--search", default="", help="Only names or email addresses containing TEXT.")
@click.option("--cohort", "cohort_name", help="Only members of the cohort with this name.")
@click.option(
    "--status",
    type=STATUS_CHOICE,
    help="Only active accounts, deactivated ones, or invited ones not signed up yet.",
)
def list_users(role, search, cohort_name, status):
    """List accounts: email, role, status (active, deactivated, invited), name."""
    cohort_id = None
    if cohort_name is not None:
        cohort = services.cohort_named(cohort_name)
        if cohort is None:
            _fail(f"No cohort is named {cohort_name!r}.")
        cohort_id = cohort.id
    filters = services.UserFilters(
        search=search, role=role or "", status=status or "", cohort_id=cohort_id
    )
    users = services.users_matching(filters)
    if not users:
        click.echo("No accounts match." if filters != services.UserFilters() else "No accounts.")
        return
    width = max(len(u.email) for u in users)
    for u in users:
        state = services.status_of(u).value
        click.echo(f"{u.email:<{width}}  {u.role:<13}  {state:<11}  {u.full_name}")


@users_cli.command("edit")
@click.argument("email")
@click.option("--name", "full_name", help="The full name, as on certificates.")
@click.option("--new-email", help="A new email address for the account.")
@click.option("--profession", help="Profession or training level ('' to clear it).")
def edit(email, full_name, new_email, profession):
    """Correct the details of the account EMAIL."""
    if full_name is None and new_email is None and profession is None:
        _fail("Nothing to change: give --name, --new-email or --profession.")
    user = _user(email)
    try:
        changed = services.update_user(
            user,
            email=user.email if new_email is None else new_email,
            full_name=user.full_name if full_name is None else full_name,
            profession=user.profession if profession is None else profession,
            actor=None,
            via="cli",
        )
    except services.AccountError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    if not changed:
        click.echo(f"{user.email}: nothing changed.")
        return
    click.echo(f"{user.email}: changed {', '.join(f.replace('_', ' ') for f in changed)}.")
    if "email" in changed and user.password_hash is None:
        click.echo(
            "Earlier invitations went to the old address; send a new one with: "
            f"flask --app lms users invite {user.email}"
        )


@users_cli.command("invite")
@click.argument("email")
def invite(email):
    """Send the account EMAIL a new invitation to choose its first password."""
    user = _user(email)
    batch = mail.new_batch()
    try:
        invitations.resend(user, actor=None, via="cli", now=utcnow(), batch=batch)
    except invitations.InvitationError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    delivery = mail.send_batch_now(batch)
    if delivery.stopped:
        click.echo(
            f"An invitation to {user.email} is queued; the mail server did not take "
            "it now, and `flask --app lms mail send` will try again."
        )
    else:
        click.echo(f"An invitation has been sent to {user.email}.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role(email, role):
    """Give the account EMAIL the role ROLE."""
    user = _user(email)
    services.set_role(user, role, actor=None, via="cli")
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """Stop EMAIL from signing in, and end their sessions. Their records stay."""
    user = _user(email)
    if not user.active:
        _fail(f"{user.email} is already deactivated.")
    services.set_active(user, False, actor=None, via="cli")
    db.session.commit()
    click.echo(f"{user.email} is deactivated; their records are kept.")


@users_cli.command("activate")
@click.argument("email")
def activate(email):
    """Let a deactivated account sign in again."""
    user = _user(email)
    if user.active:
        _fail(f"{user.email} is already active.")
    services.set_active(user, True, actor=None, via="cli")
    db.session.commit()
    click.echo(f"{user.email} is active again.")
