// When scheduled backups run and how long backups are kept: the cluster's `backup_schedule` (cron, UTC) with the
// schedule in words and its next runs as it is typed, and `backup_retention_days`, which the plan caps (the API's
// 422 is shown at the field). Saving is an `update` operation, followed like any other.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiFailure, unwrap } from '../../lib/api.ts';
import { backupSettings, retentionProblem } from '../../lib/backups.ts';
import { describeCron, nextRuns, parseCron, utcRunTime } from '../../lib/cron.ts';
import { Notice, TextField } from '../../components/ui.tsx';
import { OperationProgress } from './Activity.tsx';
import { Section } from './Section.tsx';
import { actionErrorText, type Cluster, type Mutation, type Operation } from './model.ts';

interface Props {
  cluster: Cluster;
  operations: Operation[];
  canWrite: boolean;
  /** Why saving would be refused now (an operation in flight, a cluster changing), or null. */
  busyReason: string | null;
  onMutated: (result: Mutation) => void;
  onConflict: () => void;
}

type Fields = { schedule?: string; retention?: string };

/** The API's refusal of a settings change, at the field it is about. */
function fieldsOf(error: ApiFailure): Fields {
  if (error.code === 'quota_exceeded') return { retention: error.message };
  return { schedule: error.fields['settings.backup_schedule'], retention: error.fields['settings.backup_retention_days'] };
}

function SchedulePreview({ schedule }: { schedule: string }) {
  const parsed = parseCron(schedule);
  if (!parsed.ok) return null;
  const runs = nextRuns(parsed.schedule, new Date(), 3);
  return (
    <span data-testid="schedule-preview">
      <strong>{describeCron(parsed.schedule)}.</strong> {runs.length === 0 ? 'This schedule never comes round.' : `Next: ${runs.map(utcRunTime).join('; ')}.`}
    </span>
  );
}

export function BackupSettings({ cluster, operations, canWrite, busyReason, onMutated, onConflict }: Props) {
  const current = backupSettings(cluster);
  const [schedule, setSchedule] = useState(current.schedule);
  const [retention, setRetention] = useState(String(current.retentionDays));
  const [fields, setFields] = useState<Fields>({});
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [started, setStarted] = useState<Operation | null>(null);

  // The form starts again from the cluster's settings whenever they change (here or elsewhere).
  useEffect(() => {
    setSchedule(current.schedule);
    setRetention(String(current.retentionDays));
  }, [current.schedule, current.retentionDays]);

  const parsed = parseCron(schedule);
  const scheduleError = fields.schedule ?? (parsed.ok ? null : parsed.error);

  async function save(event: FormEvent) {
    event.preventDefault();
    const problems: Fields = { schedule: parsed.ok ? undefined : parsed.error, retention: retentionProblem(retention) ?? undefined };
    setFields(problems);
    setError(null);
    if (problems.schedule || problems.retention) return;
    const settings: { backup_schedule?: string; backup_retention_days?: number } = {};
    const normalized = schedule.trim().split(/\s+/).join(' ');
    if (normalized !== current.schedule) settings.backup_schedule = normalized;
    if (Number(retention) !== current.retentionDays) settings.backup_retention_days = Number(retention);
    if (Object.keys(settings).length === 0) {
      setError('Nothing to save: change the schedule or the retention first.');
      return;
    }
    setSaving(true);
    try {
      const result = await unwrap(api.v1.clusters[':id'].$patch({ param: { id: cluster.id }, json: { settings } }));
      setStarted(result.operation);
      onMutated(result);
    } catch (e) {
      if (e instanceof ApiFailure) {
        const at = fieldsOf(e);
        setFields(at);
        if (!at.schedule && !at.retention) setError(actionErrorText(e));
        if (e.status === 409) onConflict();
      } else {
        setError(actionErrorText(e));
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <Section title="Schedule and retention" testId="backup-settings">
      <form onSubmit={save} noValidate className="db-backup-settings">
        <div className="db-row">
          <TextField
            label="Schedule (cron, UTC)"
            value={schedule}
            onChange={(e) => {
              setSchedule(e.target.value);
              setFields((f) => ({ ...f, schedule: undefined }));
            }}
            spellCheck={false}
            autoComplete="off"
            className="mono"
            readOnly={!canWrite}
            hint={parsed.ok ? <SchedulePreview schedule={schedule} /> : 'minute hour day month weekday, e.g. 0 3 * * * for every day at 03:00 UTC'}
            error={scheduleError}
            data-testid="backup-schedule"
          />
          <TextField
            label="Keep backups for (days)"
            type="number"
            inputMode="numeric"
            min={1}
            step={1}
            value={retention}
            onChange={(e) => {
              setRetention(e.target.value);
              setFields((f) => ({ ...f, retention: undefined }));
            }}
            readOnly={!canWrite}
            hint="Older backups are removed every hour, always keeping the newest. Your plan sets the most days allowed."
            error={fields.retention}
            data-testid="backup-retention"
          />
        </div>
        {error ? <Notice>{error}</Notice> : null}
        {canWrite ? (
          <>
            {busyReason ? <p className="muted">{busyReason}</p> : null}
            <button type="submit" className="btn btn-primary" disabled={saving || busyReason !== null} data-testid="backup-settings-save">
              {saving ? 'Saving…' : 'Save schedule and retention'}
            </button>
          </>
        ) : null}
      </form>
      <OperationProgress started={started} operations={operations} />
    </Section>
  );
}
