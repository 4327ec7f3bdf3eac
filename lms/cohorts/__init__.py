"""Cohorts: groups of learners enrolled together in one or more courses, with an
enrolment window and a due date per course; bulk enrolment from CSV files,
invitations for new accounts and reminders for learners who are behind."""
