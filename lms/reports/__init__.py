"""Reports for instructors and administrators: progress, one learner's detail, quiz
item analysis, knowledge gain, evaluation results and the completion summary, in
the browser and as CSV (``flask --app lms reports ...``). See docs/reports.md."""
