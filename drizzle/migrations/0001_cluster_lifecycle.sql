ALTER TABLE "clusters" ADD COLUMN "desired_state" text DEFAULT 'running' NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "database_name" text DEFAULT 'app' NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "username" text DEFAULT 'app' NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "ready_instances" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "status_message" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "last_report_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "regions" ADD COLUMN "registration_expires_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "operations_in_flight_key" ON "operations" USING btree ("cluster_id") WHERE "operations"."status" in ('pending', 'running');