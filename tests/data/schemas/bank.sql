-- A retail bank (PostgreSQL, pg_dump --schema-only form). Written for dmb's tests.
SET statement_timeout = 0;
CREATE TABLE public.branches (
    branch_id integer NOT NULL,
    branch_code character varying(8) NOT NULL,
    name character varying(100) NOT NULL,
    city character varying(60) NOT NULL,
    opened_on date NOT NULL
);
CREATE TABLE public.customers (
    customer_id bigint NOT NULL,
    first_name character varying(50) NOT NULL,
    last_name character varying(50) NOT NULL,
    date_of_birth date NOT NULL,
    email character varying(120),
    phone character varying(30),
    segment character varying(10) DEFAULT 'retail'::character varying NOT NULL,
    home_branch_id integer NOT NULL,
    CONSTRAINT customers_segment_check CHECK (((segment)::text = ANY ((ARRAY['retail'::character varying, 'premium'::character varying, 'business'::character varying])::text[])))
);
CREATE TABLE public.accounts (
    account_id bigint NOT NULL,
    iban character varying(34) NOT NULL,
    customer_id bigint NOT NULL,
    account_type character varying(12) NOT NULL,
    currency character(3) DEFAULT 'EUR'::bpchar NOT NULL,
    balance numeric(14,2) DEFAULT 0 NOT NULL,
    opened_at timestamp without time zone NOT NULL,
    CONSTRAINT accounts_account_type_check CHECK (account_type IN ('checking', 'savings', 'loan'))
);
CREATE TABLE public.cards (
    card_id bigint NOT NULL,
    account_id bigint NOT NULL,
    card_number character varying(19) NOT NULL,
    expires_on date NOT NULL,
    status character varying(10) NOT NULL,
    CONSTRAINT cards_status_check CHECK (status IN ('active', 'blocked', 'expired'))
);
CREATE TABLE public.transactions (
    transaction_id bigint NOT NULL,
    account_id bigint NOT NULL,
    booked_at timestamp without time zone NOT NULL,
    amount numeric(14,2) NOT NULL,
    description character varying(140),
    counterparty_iban character varying(34)
);
CREATE TABLE public.loans (
    loan_id bigint NOT NULL,
    customer_id bigint NOT NULL,
    principal numeric(14,2) NOT NULL,
    interest_rate numeric(5,3) NOT NULL,
    term_months integer NOT NULL,
    start_date date NOT NULL,
    CONSTRAINT loans_principal_check CHECK (principal > 0),
    CONSTRAINT loans_term_months_check CHECK (term_months BETWEEN 6 AND 360)
);
CREATE SEQUENCE public.branches_branch_id_seq AS integer START WITH 1 INCREMENT BY 1;
ALTER SEQUENCE public.branches_branch_id_seq OWNED BY public.branches.branch_id;
ALTER TABLE ONLY public.branches ALTER COLUMN branch_id SET DEFAULT nextval('public.branches_branch_id_seq'::regclass);
CREATE SEQUENCE public.customers_customer_id_seq START WITH 1 INCREMENT BY 1;
ALTER TABLE ONLY public.customers ALTER COLUMN customer_id SET DEFAULT nextval('public.customers_customer_id_seq'::regclass);
ALTER TABLE ONLY public.accounts ALTER COLUMN account_id SET DEFAULT nextval('public.accounts_account_id_seq'::regclass);
ALTER TABLE ONLY public.cards ALTER COLUMN card_id SET DEFAULT nextval('public.cards_card_id_seq'::regclass);
ALTER TABLE ONLY public.transactions ALTER COLUMN transaction_id SET DEFAULT nextval('public.transactions_transaction_id_seq'::regclass);
ALTER TABLE ONLY public.loans ALTER COLUMN loan_id SET DEFAULT nextval('public.loans_loan_id_seq'::regclass);

ALTER TABLE ONLY public.branches ADD CONSTRAINT branches_pkey PRIMARY KEY (branch_id);
ALTER TABLE ONLY public.branches ADD CONSTRAINT branches_branch_code_key UNIQUE (branch_code);
ALTER TABLE ONLY public.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (customer_id);
ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (account_id);
ALTER TABLE ONLY public.accounts ADD CONSTRAINT accounts_iban_key UNIQUE (iban);
ALTER TABLE ONLY public.cards ADD CONSTRAINT cards_pkey PRIMARY KEY (card_id);
ALTER TABLE ONLY public.cards ADD CONSTRAINT cards_card_number_key UNIQUE (card_number);
ALTER TABLE ONLY public.transactions ADD CONSTRAINT transactions_pkey PRIMARY KEY (transaction_id);
ALTER TABLE ONLY public.loans ADD CONSTRAINT loans_pkey PRIMARY KEY (loan_id);
CREATE INDEX transactions_account_booked_idx ON public.transactions USING btree (account_id, booked_at DESC);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_home_branch_id_fkey FOREIGN KEY (home_branch_id) REFERENCES public.branches(branch_id);
ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(customer_id);
ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);
ALTER TABLE ONLY public.loans
    ADD CONSTRAINT loans_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(customer_id);
