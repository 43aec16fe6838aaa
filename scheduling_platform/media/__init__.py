"""Media a task carries: checked and copied into a content-addressed store when the task is
created; the publisher and the platform clients read them only from there."""
