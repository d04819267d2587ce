ALTER TABLE "clusters" ADD COLUMN "restore_point_in_time" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "restore_limitation" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "wal_gap" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "parent_id" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "source" jsonb;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "restore_request" jsonb;--> statement-breakpoint
CREATE INDEX "clusters_parent_idx" ON "clusters" USING btree ("parent_id");