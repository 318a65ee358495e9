-- A school timetable (SQLite, as `.schema` prints it). Written for dmb's tests.
PRAGMA foreign_keys = ON;
CREATE TABLE teachers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email VARCHAR(120) NOT NULL UNIQUE,
    hired_on DATE NOT NULL
);
CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    code VARCHAR(8) NOT NULL UNIQUE,
    name VARCHAR(60) NOT NULL,
    hours_per_week INTEGER NOT NULL CHECK (hours_per_week BETWEEN 1 AND 8)
);
CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    name VARCHAR(10) NOT NULL UNIQUE,
    grade INTEGER NOT NULL CHECK (grade >= 1 AND grade <= 12),
    homeroom_teacher_id INTEGER REFERENCES teachers (id)
);
CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    name VARCHAR(20) NOT NULL UNIQUE,
    capacity INTEGER NOT NULL DEFAULT 30
);
CREATE TABLE periods (
    id INTEGER PRIMARY KEY,
    weekday INTEGER NOT NULL CHECK (weekday IN (1, 2, 3, 4, 5)),
    slot INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 8),
    starts_at TIME NOT NULL,
    UNIQUE (weekday, slot)
);
CREATE TABLE lessons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    teacher_id INTEGER NOT NULL REFERENCES teachers (id),
    room_id INTEGER NOT NULL REFERENCES rooms (id),
    period_id INTEGER NOT NULL REFERENCES periods (id),
    UNIQUE (room_id, period_id)
);
CREATE TABLE teacher_subjects (
    teacher_id INTEGER NOT NULL REFERENCES teachers (id),
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    PRIMARY KEY (teacher_id, subject_id)
);
CREATE INDEX lessons_teacher ON lessons (teacher_id);
