// What a size costs: the list price per hour (protocol/sizes.ts) and, for the summary, a month of running all the time.
import { SIZE_TABLE, type ClusterSize } from '../../../../protocol/sizes.ts';

/** The hours in an average month (8,760 a year / 12), the usual basis for monthly cloud prices. */
export const HOURS_PER_MONTH = 730;

export const pricePerHour = (size: ClusterSize): number => SIZE_TABLE[size].price_per_hour_usd;

export const pricePerMonth = (size: ClusterSize): number => pricePerHour(size) * HOURS_PER_MONTH;
