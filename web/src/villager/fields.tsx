/**
 * The questions of the application form, one group per screen, each with a
 * plain-language hint. Used by the wizard and, limited to the asked fields, by
 * the correction form.
 */
import { useState } from "preact/hooks";
import {
  MEMBER_RELATIONS,
  OLD_PLOT_DISPOSITIONS,
  PLOT_SITUATIONS,
  SEXES,
} from "#shared/schemas/application.ts";
import { LAND_CLASSES } from "#shared/schemas/common.ts";
import { t } from "../i18n.ts";
import { Checkbox, NumberField } from "../ui.tsx";
import { Choice, type FormProps, Notes, Num, Text, visible } from "./form-inputs.tsx";
import { getIn } from "./form-state.ts";

export type { FieldNote, FormProps } from "./form-inputs.tsx";

export function ApplicantFields(props: FormProps) {
  const members = props.draft.members ?? [];
  return (
    <>
      <Text {...props} path="head.name" label="head.name" max={50} />
      <Choice {...props} path="head.sex" label="head.sex" options={SEXES} prefix="sex" />
      <Num {...props} path="head.age" label="head.age" integer />
      <Text {...props} path="head.phone" label="head.phone" hint="head.phone.hint" type="tel" max={20} />
      <Text {...props} path="head.idNumber" label="head.idNumber" hint="head.idNumber.hint" max={18} />
      <Text
        {...props}
        path="head.householdRegistrationPlace"
        label="head.householdRegistrationPlace"
        hint="head.householdRegistrationPlace.hint"
        max={200}
      />
      {visible(props, "members") && (
        <fieldset class="group">
          <legend>{t("members")}</legend>
          <p class="hint">{t("membersHint")}</p>
          <Notes notes={props.notesAt?.("members")} path="members" />
          {members.map((_member, index) => (
            <div class="member" key={index}>
              <h3>{t("member", { n: index + 1 })}</h3>
              <Text {...props} path={`members.${index}.name`} label="member.name" max={50} />
              <Num {...props} path={`members.${index}.age`} label="member.age" integer />
              <MemberRelation {...props} index={index} />
              <Text
                {...props}
                path={`members.${index}.idNumber`}
                label="member.idNumber"
                hint="head.idNumber.hint"
                max={18}
              />
              <button
                type="button"
                class="button secondary"
                onClick={() =>
                  props.update(
                    "members",
                    members.filter((_, at) => at !== index),
                  )
                }
              >
                {t("removeMember")}
              </button>
            </div>
          ))}
          <button
            type="button"
            class="button secondary block"
            onClick={() => props.update("members", [...members, {}])}
          >
            + {t("addMember")}
          </button>
        </fieldset>
      )}
    </>
  );
}

function MemberRelation(props: FormProps & { index: number }) {
  const path = `members.${props.index}.relation`;
  const value = getIn(props.draft, path);
  const error = props.errorAt(path);
  const id = `relation-${props.index}`;
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{t("member.relation")}</label>
      <select
        id={id}
        name={path}
        value={typeof value === "string" ? value : ""}
        aria-invalid={Boolean(error)}
        onChange={(event) => {
          props.update(path, event.currentTarget.value || undefined);
          props.touch(path);
        }}
      >
        <option value="">{t("choose")}</option>
        {MEMBER_RELATIONS.map((relation) => (
          <option key={relation} value={relation}>
            {t(`relation.${relation}`)}
          </option>
        ))}
      </select>
      {error && <p class="error-text">{error}</p>}
    </div>
  );
}

export function HomesteadFields(props: FormProps) {
  // A farmhouse case rebuilds on the household's plot, so it has one: no point asking.
  const farmhouse = props.draft.kind === "farmhouse";
  const has = farmhouse || props.draft.currentHomestead !== undefined;
  const disposition = props.draft.currentHomestead?.oldPlotDisposition;
  return (
    <>
      {farmhouse && !props.only && <p class="hint">{t("hasHomesteadHint")}</p>}
      {!props.only && !farmhouse && (
        <fieldset class="field choice">
          <legend>{t("hasHomestead")}</legend>
          <p class="hint">{t("hasHomesteadHint")}</p>
          <label class="choice-option">
            <input
              type="radio"
              name="hasHomestead"
              checked={has}
              onChange={() => props.update("currentHomestead", props.draft.currentHomestead ?? {})}
            />
            <span>{t("yes")}</span>
          </label>
          <label class="choice-option">
            <input
              type="radio"
              name="hasHomestead"
              checked={!has}
              onChange={() => props.update("currentHomestead", undefined)}
            />
            <span>{t("no")}</span>
          </label>
        </fieldset>
      )}
      {props.errorAt("currentHomestead") && <p class="error-text">{props.errorAt("currentHomestead")}</p>}
      {(has || props.only) && (
        <>
          <Num
            {...props}
            path="currentHomestead.areaM2"
            label="currentHomestead.areaM2"
            hint="currentHomestead.areaM2.hint"
          />
          <Num
            {...props}
            path="currentHomestead.houseFloorAreaM2"
            label="currentHomestead.houseFloorAreaM2"
            hint="currentHomestead.houseFloorAreaM2.hint"
          />
          <Text
            {...props}
            path="currentHomestead.titleCertificateNo"
            label="currentHomestead.titleCertificateNo"
            optional
            max={50}
          />
          <Choice
            {...props}
            path="currentHomestead.oldPlotDisposition"
            label="currentHomestead.oldPlotDisposition"
            options={OLD_PLOT_DISPOSITIONS}
            prefix="disposition"
          />
          {disposition === "other" && (
            <Text
              {...props}
              path="currentHomestead.oldPlotDispositionNote"
              label="currentHomestead.oldPlotDispositionNote"
              multiline
              max={200}
            />
          )}
        </>
      )}
    </>
  );
}

function LocationField(props: FormProps) {
  const location = props.draft.proposedPlot?.location;
  const point = location?.type === "Point" ? location.coordinates : undefined;
  const [lng, setLng] = useState<number | undefined>(point?.[0]);
  const [lat, setLat] = useState<number | undefined>(point?.[1]);
  const [locating, setLocating] = useState(false);
  const [failed, setFailed] = useState(false);
  if (!visible(props, "proposedPlot.location")) return null;
  // A location is saved whole (both numbers) or not at all, as the schema wants.
  const set = (nextLng: number | undefined, nextLat: number | undefined) => {
    setLng(nextLng);
    setLat(nextLat);
    props.update(
      "proposedPlot.location",
      nextLng !== undefined && nextLat !== undefined
        ? { type: "Point", coordinates: [nextLng, nextLat] }
        : undefined,
    );
  };
  const locate = () => {
    if (!navigator.geolocation) return setFailed(true);
    setLocating(true);
    setFailed(false);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        const round = (value: number) => Math.round(value * 1e6) / 1e6;
        set(round(position.coords.longitude), round(position.coords.latitude));
      },
      () => {
        setLocating(false);
        setFailed(true);
      },
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
    );
  };
  const error =
    props.errorAt("proposedPlot.location") ?? props.errorAt("proposedPlot.location.coordinates.0");
  return (
    <fieldset class={`group${error ? " field-invalid" : ""}`}>
      <legend>{t("location")}</legend>
      <p class="hint">{t("locationHint")}</p>
      <Notes notes={props.notesAt?.("proposedPlot.location")} path="proposedPlot.location" />
      <button type="button" class="button secondary block" onClick={locate} disabled={locating}>
        {locating ? t("locating") : t("useMyLocation")}
      </button>
      {failed && <p class="error-text">{t("locationFailed")}</p>}
      <div class="row-2">
        <NumberField label={t("longitude")} value={lng} name="lng" onInput={(value) => set(value, lat)} />
        <NumberField label={t("latitude")} value={lat} name="lat" onInput={(value) => set(lng, value)} />
      </div>
      {point && <p class="ok-text">{t("locationSet", { lng: point[0], lat: point[1] })}</p>}
      {error && <p class="error-text">{error}</p>}
    </fieldset>
  );
}

/** A farmhouse case is a rebuild on the old plot by law (the schema refuses anything else). */
const FARMHOUSE_SITUATIONS = ["rebuild_on_old_plot"] as const;

export function PlotFields(props: FormProps) {
  return (
    <>
      <Choice
        {...props}
        path="proposedPlot.situation"
        label="proposedPlot.situation"
        options={props.draft.kind === "farmhouse" ? FARMHOUSE_SITUATIONS : PLOT_SITUATIONS}
        prefix="situation"
      />
      <Choice
        {...props}
        path="proposedPlot.landClass"
        label="proposedPlot.landClass"
        hint="proposedPlot.landClass.hint"
        options={LAND_CLASSES}
        prefix="landClass"
      />
      <Text
        {...props}
        path="proposedPlot.address"
        label="proposedPlot.address"
        hint="proposedPlot.address.hint"
        max={200}
      />
      <Num
        {...props}
        path="proposedPlot.houseLandAreaM2"
        label="proposedPlot.houseLandAreaM2"
        hint="proposedPlot.houseLandAreaM2.hint"
      />
      <Num
        {...props}
        path="proposedPlot.ancillaryLandAreaM2"
        label="proposedPlot.ancillaryLandAreaM2"
        hint="proposedPlot.ancillaryLandAreaM2.hint"
      />
      {visible(props, "proposedPlot.boundaries") && (
        <fieldset class="group">
          <legend>{t("boundaries")}</legend>
          <p class="hint">{t("boundariesHint")}</p>
          <Text
            {...props}
            path="proposedPlot.boundaries.east"
            label="proposedPlot.boundaries.east"
            max={100}
          />
          <Text
            {...props}
            path="proposedPlot.boundaries.south"
            label="proposedPlot.boundaries.south"
            max={100}
          />
          <Text
            {...props}
            path="proposedPlot.boundaries.west"
            label="proposedPlot.boundaries.west"
            max={100}
          />
          <Text
            {...props}
            path="proposedPlot.boundaries.north"
            label="proposedPlot.boundaries.north"
            max={100}
          />
        </fieldset>
      )}
      <LocationField {...props} />
    </>
  );
}

export function BuildingFields(props: FormProps) {
  return (
    <>
      <Num
        {...props}
        path="building.floorAreaM2"
        label="building.floorAreaM2"
        hint="building.floorAreaM2.hint"
      />
      <Num {...props} path="building.floors" label="building.floors" integer />
      <Num {...props} path="building.heightM" label="building.heightM" hint="building.heightM.hint" />
      {visible(props, "neighboursConsulted") && (
        <Checkbox
          name="neighboursConsulted"
          label={t("neighboursConsulted")}
          hint={t("neighboursConsultedHint")}
          checked={props.draft.neighboursConsulted === true}
          error={props.errorAt("neighboursConsulted")}
          onChange={(checked) => {
            props.update("neighboursConsulted", checked);
            props.touch("neighboursConsulted");
          }}
        />
      )}
      <Text {...props} path="reason" label="reason" hint="reasonHint" multiline max={500} />
    </>
  );
}
