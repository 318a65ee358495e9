-- A hospital (PostgreSQL, pg_dump --schema-only form). Written for dmb's tests.
SET client_encoding = 'UTF8';
CREATE TYPE public.blood_type AS ENUM ('A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-');

CREATE TABLE public.departments (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    name character varying(60) NOT NULL,
    floor smallint NOT NULL,
    CONSTRAINT departments_floor_check CHECK (floor BETWEEN 0 AND 12)
);
CREATE TABLE public.doctors (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    first_name character varying(50) NOT NULL,
    last_name character varying(50) NOT NULL,
    specialty character varying(60) NOT NULL,
    license_number character varying(20) NOT NULL,
    department_id integer NOT NULL,
    hired_on date NOT NULL
);
CREATE TABLE public.patients (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    first_name character varying(50) NOT NULL,
    last_name character varying(50) NOT NULL,
    date_of_birth date NOT NULL,
    sex character(1) NOT NULL,
    blood_type public.blood_type,
    phone character varying(30),
    insurance_number character varying(24),
    CONSTRAINT patients_sex_check CHECK (sex IN ('F', 'M', 'X'))
);
CREATE TABLE public.rooms (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    department_id integer NOT NULL,
    room_number character varying(8) NOT NULL,
    beds smallint NOT NULL,
    CONSTRAINT rooms_beds_check CHECK (beds >= 1 AND beds <= 6)
);
CREATE TABLE public.admissions (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    patient_id integer NOT NULL,
    room_id integer NOT NULL,
    admitted_at timestamp without time zone NOT NULL,
    discharged_at timestamp without time zone,
    diagnosis text
);
CREATE TABLE public.appointments (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    patient_id integer NOT NULL,
    doctor_id integer NOT NULL,
    starts_at timestamp without time zone NOT NULL,
    duration_minutes smallint DEFAULT 20 NOT NULL,
    status character varying(12) DEFAULT 'scheduled' NOT NULL,
    CONSTRAINT appointments_status_check CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show'))
);
CREATE TABLE public.medications (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    name character varying(80) NOT NULL,
    form character varying(20) NOT NULL,
    strength_mg numeric(8,2)
);
CREATE TABLE public.prescriptions (
    id integer NOT NULL GENERATED ALWAYS AS IDENTITY,
    appointment_id integer NOT NULL,
    medication_id integer NOT NULL,
    dosage character varying(40) NOT NULL,
    days smallint NOT NULL,
    CONSTRAINT prescriptions_days_check CHECK (days > 0)
);
ALTER TABLE ONLY public.departments ADD CONSTRAINT departments_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.doctors ADD CONSTRAINT doctors_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.doctors ADD CONSTRAINT doctors_license_number_key UNIQUE (license_number);
ALTER TABLE ONLY public.patients ADD CONSTRAINT patients_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.rooms ADD CONSTRAINT rooms_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.rooms ADD CONSTRAINT rooms_department_room_key UNIQUE (department_id, room_number);
ALTER TABLE ONLY public.admissions ADD CONSTRAINT admissions_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.appointments ADD CONSTRAINT appointments_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.medications ADD CONSTRAINT medications_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.prescriptions ADD CONSTRAINT prescriptions_pkey PRIMARY KEY (id);
CREATE INDEX appointments_doctor_starts_idx ON public.appointments USING btree (doctor_id, starts_at);
ALTER TABLE ONLY public.doctors
    ADD CONSTRAINT doctors_department_id_fkey FOREIGN KEY (department_id) REFERENCES public.departments(id);
ALTER TABLE ONLY public.rooms
    ADD CONSTRAINT rooms_department_id_fkey FOREIGN KEY (department_id) REFERENCES public.departments(id);
ALTER TABLE ONLY public.admissions
    ADD CONSTRAINT admissions_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES public.patients(id);
ALTER TABLE ONLY public.admissions
    ADD CONSTRAINT admissions_room_id_fkey FOREIGN KEY (room_id) REFERENCES public.rooms(id);
ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES public.patients(id);
ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_doctor_id_fkey FOREIGN KEY (doctor_id) REFERENCES public.doctors(id);
ALTER TABLE ONLY public.prescriptions
    ADD CONSTRAINT prescriptions_appointment_id_fkey FOREIGN KEY (appointment_id) REFERENCES public.appointments(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.prescriptions
    ADD CONSTRAINT prescriptions_medication_id_fkey FOREIGN KEY (medication_id) REFERENCES public.medications(id);
