/**
 * `npm run prices:refresh`: rewrites audit/prices/aws.json from the AWS Price List bulk files. For
 * every row with a `match` (offer code plus product attributes), it downloads that offer's file for
 * the row's region, finds the one product whose attributes match, and takes its on-demand USD price
 * (the first tier when the price is tiered). Rows without `match` (CloudFront, CloudWatch alarms)
 * keep their value. Needs the network; offline it fails with one line and leaves the table as it is.
 * The AmazonEC2 file of a region is several hundred MB: give node the memory (NODE_OPTIONS=--max-old-space-size=4096).
 * Usage: tsx audit/refresh-prices.ts [--base-url https://pricing.us-east-1.amazonaws.com] [--table audit/prices/aws.json]
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { errorText, InputError } from "../lib/cli";
import { loadPriceTable, PRICE_TABLE_FILE, type PriceRow, type PriceTable } from "./cost";

interface Offer {
  readonly products: Record<string, { readonly sku: string; readonly productFamily?: string; readonly attributes: Record<string, string> }>;
  readonly terms: {
    readonly OnDemand: Record<
      string,
      Record<
        string,
        { readonly priceDimensions: Record<string, { readonly beginRange?: string; readonly pricePerUnit: { readonly USD?: string } }> }
      >
    >;
  };
}

/** The on-demand USD price of the one product of `offer` whose attributes (and productFamily) equal `match`'s. */
export function priceInOffer(offer: Offer, match: Readonly<Record<string, string>>): number {
  const wanted = Object.entries(match).filter(([k]) => k !== "offer");
  const skus = Object.values(offer.products)
    .filter((p) => wanted.every(([k, v]) => (k === "productFamily" ? p.productFamily : p.attributes[k]) === v))
    .map((p) => p.sku)
    .filter((sku) => offer.terms.OnDemand[sku] !== undefined)
    .sort();
  if (skus.length !== 1)
    throw new InputError(`${JSON.stringify(match)} matches ${skus.length} on-demand products; make the row's match name exactly one`);
  const dimensions = Object.values(offer.terms.OnDemand[skus[0]]).flatMap((t) => Object.values(t.priceDimensions));
  const first = dimensions.find((d) => (d.beginRange ?? "0") === "0") ?? dimensions[0];
  const usd = Number(first?.pricePerUnit.USD);
  if (!Number.isFinite(usd)) throw new InputError(`${JSON.stringify(match)} has no USD on-demand price`);
  return usd;
}

async function download(url: string): Promise<Offer> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new InputError(`prices:refresh: cannot download ${url} (${cause}); it needs the network, and audit/prices/aws.json is unchanged`);
  }
  if (!response.ok) throw new InputError(`prices:refresh: ${url} answered ${response.status}; audit/prices/aws.json is unchanged`);
  return (await response.json()) as Offer;
}

export async function refreshPrices(table: PriceTable, baseUrl: string, today: string): Promise<PriceTable> {
  const offers = new Map<string, Offer>();
  const regions: Record<string, PriceTable["regions"][string]> = {};
  for (const [region, { location, prices }] of Object.entries(table.regions)) {
    const rows: Record<string, PriceRow> = {};
    for (const [key, row] of Object.entries(prices)) {
      if (!row.match) {
        rows[key] = row;
        continue;
      }
      const url = `${baseUrl}/offers/v1.0/aws/${row.match.offer}/current/${region}/index.json`;
      if (!offers.has(url)) offers.set(url, await download(url));
      rows[key] = { ...row, usd: priceInOffer(offers.get(url)!, row.match) };
    }
    regions[region] = { location, prices: rows };
  }
  return { ...table, date: today, dateMeaning: "the day the rows with a match were read from the bulk files", regions } as PriceTable;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => (args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback);
  const file = resolve(arg("--table", PRICE_TABLE_FILE));
  refreshPrices(loadPriceTable(file), arg("--base-url", "https://pricing.us-east-1.amazonaws.com"), new Date().toISOString().slice(0, 10))
    .then((table) => {
      writeFileSync(file, `${JSON.stringify(table, null, 2)}\n`);
      console.log(`Wrote ${file} (prices of ${table.date})`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${errorText(error)}\n`);
      process.exitCode = 1;
    });
}
