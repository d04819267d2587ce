CREATE TABLE "backups" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"cluster_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"operation_id" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"size_bytes" bigint,
	"begin_lsn" text,
	"end_lsn" text,
	"begin_time" timestamp with time zone,
	"end_time" timestamp with time zone,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "backup_requests" jsonb DEFAULT '{"requested":null,"deleted_backup_ids":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "restore_earliest" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "restore_latest" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "backups" ADD CONSTRAINT "backups_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backups" ADD CONSTRAINT "backups_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backups_cluster_idx" ON "backups" USING btree ("cluster_id","id");--> statement-breakpoint
CREATE INDEX "backups_org_idx" ON "backups" USING btree ("org_id","id");