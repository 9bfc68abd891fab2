/** The `site` section of an environment (config/schema.ts): the static site on CloudFront. */
import { z } from "zod";
import { domainSchema } from "./schema-common";

export const SiteSchema = z
  .strictObject({
    /** CloudFront price class, which edge locations serve the site: PriceClass_100 (cheapest), PriceClass_200 or PriceClass_All. */
    priceClass: z.enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"], {
      error: 'must be "PriceClass_100", "PriceClass_200" or "PriceClass_All"',
    }),
    /**
     * Custom domain; its certificate must be in us-east-1 (CloudFront's requirement).
     * @default - the distribution's own cloudfront.net name
     */
    domain: domainSchema("www.example.com").optional(),
  })
  .readonly();
