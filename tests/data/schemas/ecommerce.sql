-- An e-commerce shop (PostgreSQL, pg_dump --schema-only form). Written for dmb's tests.
SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
CREATE SCHEMA shop;
CREATE TYPE shop.order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');

CREATE SEQUENCE shop.customers_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
CREATE TABLE shop.customers (
    id integer DEFAULT nextval('shop.customers_id_seq'::regclass) NOT NULL,
    first_name character varying(50) NOT NULL,
    last_name character varying(50) NOT NULL,
    email character varying(254) NOT NULL,
    phone character varying(30),
    created_at timestamp with time zone DEFAULT now() NOT NULL
);
ALTER TABLE shop.customers OWNER TO shop_owner;
ALTER SEQUENCE shop.customers_id_seq OWNED BY shop.customers.id;
COMMENT ON TABLE shop.customers IS 'People who buy from the shop';

CREATE TABLE shop.addresses (
    id bigint NOT NULL,
    customer_id integer NOT NULL,
    street character varying(120) NOT NULL,
    city character varying(80) NOT NULL,
    postal_code character varying(12),
    country_code character(2) NOT NULL
);
ALTER TABLE shop.addresses ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME shop.addresses_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1
);

CREATE TABLE shop.categories (
    id serial NOT NULL,
    name character varying(80) NOT NULL,
    parent_id integer
);

CREATE TABLE shop.products (
    id serial NOT NULL,
    category_id integer NOT NULL,
    sku character varying(32) NOT NULL,
    name character varying(160) NOT NULL,
    description text,
    price numeric(10,2) NOT NULL,
    stock integer DEFAULT 0 NOT NULL,
    CONSTRAINT products_price_check CHECK ((price >= (0)::numeric)),
    CONSTRAINT products_stock_check CHECK ((stock >= 0))
);
COMMENT ON COLUMN shop.products.sku IS 'Stock keeping unit';

CREATE TABLE shop.orders (
    id serial NOT NULL,
    customer_id integer NOT NULL,
    shipping_address_id bigint,
    status shop.order_status DEFAULT 'pending'::shop.order_status NOT NULL,
    ordered_at timestamp without time zone NOT NULL,
    shipped_at timestamp without time zone,
    total numeric(12,2) DEFAULT 0 NOT NULL
);

CREATE TABLE shop.order_items (
    order_id integer NOT NULL,
    product_id integer NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(10,2) NOT NULL,
    CONSTRAINT order_items_quantity_check CHECK ((quantity BETWEEN 1 AND 100))
);

CREATE TABLE shop.reviews (
    id serial NOT NULL,
    product_id integer NOT NULL,
    customer_id integer NOT NULL,
    rating smallint NOT NULL,
    body text,
    created_at timestamp without time zone NOT NULL,
    CONSTRAINT reviews_rating_check CHECK (((rating >= 1) AND (rating <= 5)))
);

ALTER TABLE ONLY shop.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (id);
ALTER TABLE ONLY shop.customers ADD CONSTRAINT customers_email_key UNIQUE (email);
ALTER TABLE ONLY shop.addresses ADD CONSTRAINT addresses_pkey PRIMARY KEY (id);
ALTER TABLE ONLY shop.categories ADD CONSTRAINT categories_pkey PRIMARY KEY (id);
ALTER TABLE ONLY shop.products ADD CONSTRAINT products_pkey PRIMARY KEY (id);
ALTER TABLE ONLY shop.products ADD CONSTRAINT products_sku_key UNIQUE (sku);
ALTER TABLE ONLY shop.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
ALTER TABLE ONLY shop.order_items ADD CONSTRAINT order_items_pkey PRIMARY KEY (order_id, product_id);
ALTER TABLE ONLY shop.reviews ADD CONSTRAINT reviews_pkey PRIMARY KEY (id);
CREATE INDEX orders_customer_id_idx ON shop.orders USING btree (customer_id);
CREATE UNIQUE INDEX reviews_product_customer_idx ON shop.reviews USING btree (product_id, customer_id);

ALTER TABLE ONLY shop.addresses
    ADD CONSTRAINT addresses_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE;
ALTER TABLE ONLY shop.categories
    ADD CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES shop.categories(id);
ALTER TABLE ONLY shop.products
    ADD CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES shop.categories(id);
ALTER TABLE ONLY shop.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers(id);
ALTER TABLE ONLY shop.orders
    ADD CONSTRAINT orders_shipping_address_id_fkey FOREIGN KEY (shipping_address_id) REFERENCES shop.addresses(id) ON DELETE SET NULL;
ALTER TABLE ONLY shop.order_items
    ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES shop.orders(id) ON DELETE CASCADE;
ALTER TABLE ONLY shop.order_items
    ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES shop.products(id);
ALTER TABLE ONLY shop.reviews
    ADD CONSTRAINT reviews_product_id_fkey FOREIGN KEY (product_id) REFERENCES shop.products(id);
ALTER TABLE ONLY shop.reviews
    ADD CONSTRAINT reviews_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers(id);
