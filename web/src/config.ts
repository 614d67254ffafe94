/** `GET /config.json` (infra/local/web.ts): what the app cannot know at build time. */
export interface DocumentRequirement {
  readonly typeId: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly minCount: number;
  readonly condition: string;
}

export interface WebConfig {
  /** The OIDC issuer and its public app clients for villagers and for staff (infra/web-config.ts). */
  readonly auth: {
    readonly issuer: string;
    readonly clients: { readonly villager: string; readonly staff: string };
  };
  readonly county: {
    readonly policyId: string;
    readonly requiredDocuments: {
      readonly homestead: readonly DocumentRequirement[];
      readonly farmhouse: readonly DocumentRequirement[];
    };
    readonly uploads: readonly { readonly contentType: string; readonly maxBytes: number }[];
    /** The county's names for its departments (absent from an older config.json). */
    readonly departments?: readonly { readonly id: string; readonly name: { zh: string; en: string } }[];
  };
}

let current: WebConfig | undefined;

/** The county's name for a department, once config.json is loaded (undefined before, or for an unknown id). */
export function departmentName(id: string): { zh: string; en: string } | undefined {
  return current?.county.departments?.find((department) => department.id === id)?.name;
}

let loaded: Promise<WebConfig> | undefined;

export function loadConfig(): Promise<WebConfig> {
  loaded ??= fetch("/config.json", { headers: { accept: "application/json" } }).then(async (response) => {
    if (!response.ok) throw new Error(`config.json: ${response.status}`);
    current = (await response.json()) as WebConfig;
    return current;
  });
  // A failed load (offline) may be retried by the next caller.
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}
