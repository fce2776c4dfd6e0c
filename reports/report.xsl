<?xml version="1.0" encoding="UTF-8"?>
<!-- report.xsl: report.xml (urn:keur:report:1) as report.html, for people who read rather than
     parse.  The label and the level first, then the requirements that failed, those not
     decided, those passed, those awaiting the assessor's review and those that do not apply,
     each with its cases and their evidence, the ICS statement, any contradiction and the
     assessor's review with the documents examined; then every case.  A run judged against
     several profiles has, after the run's details, a table of the verdicts by profile, then each
     profile's judgement (mode "judgement": the first profile's from the report's own elements,
     each further one's from its assessment element).  keur compiles it in and renders with libxslt; any XSLT 1.0
     processor gives the same page (xsltproc reports/report.xsl report.xml). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:r="urn:keur:report:1" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
                exclude-result-prefixes="r ds">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>
  <xsl:key name="case" match="r:cases/r:case" use="@id"/>
  <!-- A run judged against more than one profile. -->
  <xsl:variable name="multi" select="boolean(/r:report/r:assessment)"/>

  <xsl:template match="/r:report">
    <html lang="en">
      <head>
        <meta charset="UTF-8"/>
        <title>keur report <xsl:value-of select="r:label/@report-id"/>: <xsl:value-of select="r:dut/@vendor"/>
          <xsl:text> </xsl:text><xsl:value-of select="r:dut/@model"/></title>
        <style>
          body { font: 15px/1.45 sans-serif; margin: 2em auto; max-width: 62em; color: #222; padding: 0 1em; }
          h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
          table { border-collapse: collapse; width: 100%; } td, th { text-align: left; vertical-align: top; padding: .25em .5em; border-bottom: 1px solid #eee; }
          .v { font-weight: bold; white-space: nowrap; }
          .pass { color: #17692c; } .fail { color: #b3121f; } .inconc, .error, .not-run { color: #9a5b00; } .na, .awaiting-review { color: #666; }
          .label { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
          .field { border: 2px solid #999; border-radius: 6px; padding: .5em 1em; min-width: 11em; }
          .field b { display: block; font-size: 1.25em; }
          .field.yes { border-color: #17692c; } .field.no { border-color: #b3121f; }
          div.req { margin: .8em 0; padding: .5em .8em; border-left: 4px solid #999; background: #fafafa; color: #222; }
          div.req.fail { border-color: #b3121f; } div.req.pass { border-color: #17692c; } div.req.inconc, div.req.error { border-color: #d08a00; }
          div.req td:first-child { width: 14em; } div.req td.v { width: 6em; }
          div.req.awaiting-review { border-color: #5b6fa8; } .contradiction { color: #b3121f; font-weight: bold; }
          .review { margin: .3em 0 0 0; padding: .3em .6em; border: 1px dashed #aab; background: #fff; }
          .meta td:first-child { color: #555; width: 12em; } code { font-size: .9em; } .small { font-size: .85em; color: #555; }
        </style>
      </head>
      <body>
        <h1>Conformance report <xsl:value-of select="r:label/@report-id"/></h1>
        <p class="small">
          <xsl:choose>
            <xsl:when test="ds:Signature">This report carries an XML signature. Its integrity and the signer are
              checked with <code>keur verify</code>, not by reading this page.</xsl:when>
            <xsl:otherwise>This report is not signed.</xsl:otherwise>
          </xsl:choose>
          <xsl:if test="@complete = 'false'"> The run is not complete: some cases did not run.</xsl:if>
        </p>
        <table class="meta">
          <tr><td>Device</td><td><xsl:value-of select="r:dut/@vendor"/><xsl:text> </xsl:text><xsl:value-of select="r:dut/@model"/>
            (<xsl:value-of select="r:dut/@id"/>), firmware <xsl:value-of select="r:dut/@firmware"/>
            <xsl:if test="r:dut/@serial">, serial <xsl:value-of select="r:dut/@serial"/></xsl:if></td></tr>
          <xsl:for-each select="r:dut/r:mqtt-versions">
            <tr><td>MQTT versions</td><td><xsl:value-of select="@endpoint"/>
              <xsl:choose><xsl:when test="@spoken != ''"> speaks <xsl:value-of select="@spoken"/></xsl:when>
                <xsl:otherwise>: no version could be told</xsl:otherwise></xsl:choose>
              <xsl:if test="@not-spoken != ''">, not <xsl:value-of select="@not-spoken"/></xsl:if>
              <span class="small"> (<xsl:value-of select="r:how"/>)</span></td></tr>
          </xsl:for-each>
          <tr><td>Profile<xsl:if test="$multi">s</xsl:if></td><td><xsl:choose>
            <xsl:when test="$multi"><xsl:for-each select="r:profile | r:assessment/r:profile">
              <a href="#profile-{@id}"><xsl:value-of select="@title"/></a> (<xsl:value-of select="@id"/>
              version <xsl:value-of select="@version"/>)<xsl:if test="position() != last()">; </xsl:if></xsl:for-each></xsl:when>
            <xsl:when test="r:profile"><xsl:value-of select="r:profile/@title"/> (<xsl:value-of select="r:profile/@id"/>
              version <xsl:value-of select="r:profile/@version"/>)</xsl:when>
            <xsl:otherwise>none: every case counts</xsl:otherwise></xsl:choose>
            <xsl:if test="r:selection"> — only part of it ran
              <xsl:if test="r:selection/@level">(level <xsl:value-of select="r:selection/@level"/>)</xsl:if>
              <xsl:if test="r:selection/@only">(cases <xsl:value-of select="r:selection/@only"/>)</xsl:if></xsl:if></td></tr>
          <tr><td>Lab</td><td><xsl:value-of select="r:lab/@name"/>
            <xsl:if test="r:lab/@accreditation">, accreditation <xsl:value-of select="r:lab/@accreditation"/></xsl:if></td></tr>
          <tr><td>Operator</td><td><xsl:value-of select="r:operator/@name"/></td></tr>
          <xsl:if test="r:ics">
            <tr><td>ICS</td><td>stated by <xsl:value-of select="r:ics/@issued-by"/> on <xsl:value-of select="r:ics/@date"/>
              (<xsl:value-of select="r:ics/@statements"/> statements; <span class="{substring('contradiction', 1, 13 * (r:ics/@contradictions != 0))}">
              <xsl:value-of select="r:ics/@contradictions"/> contradiction(s) with keur's tests</span>)<xsl:call-template name="evidence">
              <xsl:with-param name="of" select="r:ics"/></xsl:call-template></td></tr>
          </xsl:if>
          <xsl:if test="r:summary/@awaiting-review and not($multi)">
            <tr><td>Requirements</td><td><xsl:value-of select="r:summary/@decided-by-keur"/> decided by keur's cases,
              <xsl:value-of select="r:summary/@reviewed"/> by the assessor's review;
              <span class="{substring('contradiction', 1, 13 * (r:summary/@awaiting-review != 0))}"><xsl:value-of select="r:summary/@awaiting-review"/> awaiting review</span></td></tr>
          </xsl:if>
          <tr><td>Run</td><td><xsl:value-of select="@started"/> to <xsl:value-of select="@finished"/>, keur <xsl:value-of select="@keur-version"/></td></tr>
          <tr><td>Cases</td><td><xsl:for-each select="r:summary/@*[name() != 'exit-code' and name() != 'decided-by-keur' and name() != 'reviewed' and name() != 'awaiting-review']">
            <span class="{name()}"><xsl:value-of select="."/><xsl:text> </xsl:text><xsl:value-of select="name()"/></span>
            <xsl:if test="position() != last()">, </xsl:if></xsl:for-each>; exit code <xsl:value-of select="r:summary/@exit-code"/></td></tr>
        </table>

        <xsl:if test="$multi">
          <h2>Verdicts by profile</h2>
          <table>
            <tr><th>profile</th><th>version</th><th>level reached</th><th>decided by keur</th><th>reviewed</th><th>awaiting review</th></tr>
            <xsl:apply-templates select=". | r:assessment" mode="verdict-row"/>
          </table>
        </xsl:if>

        <xsl:apply-templates select="." mode="judgement"/>
        <xsl:apply-templates select="r:assessment" mode="judgement"/>

        <h2>Cases</h2>
        <table>
          <tr><th>case</th><th>verdict</th><th>what keur found</th></tr>
          <xsl:for-each select="r:cases/r:case">
            <tr id="case-{@id}"><td><code><xsl:value-of select="@id"/></code><br/><span class="small"><xsl:value-of select="r:title"/>
              (<xsl:value-of select="@spec"/>)</span></td>
              <td class="v {@verdict}"><xsl:value-of select="@verdict"/></td>
              <td><xsl:value-of select="r:reason"/><xsl:call-template name="evidence"/></td></tr>
          </xsl:for-each>
        </table>
        <p class="small">Journal <code><xsl:value-of select="r:journal/@file"/></code>, SHA-256
          <code><xsl:value-of select="r:journal/@sha256"/></code>. Every report of this run is derived from it
          (<code>keur report DIR</code>).</p>
      </body>
    </html>
  </xsl:template>

  <!-- One profile's judgement: the report itself for the first profile, an assessment for
       each further one.  With one profile, no heading of its own (the run's details name it). -->
  <xsl:template match="r:report | r:assessment" mode="judgement">
    <xsl:variable name="h" select="substring('h2h3', 1 + 2 * $multi, 2)"/>
    <xsl:if test="$multi">
      <h2 id="profile-{r:profile/@id}">Profile <xsl:value-of select="r:profile/@id"/> version <xsl:value-of select="r:profile/@version"/>
        <xsl:if test="r:profile/@title != ''">: <xsl:value-of select="r:profile/@title"/></xsl:if></h2>
    </xsl:if>
    <xsl:element name="{$h}">Label</xsl:element>
    <div class="label">
      <xsl:for-each select="r:label/r:field">
        <div class="field {@value}">
          <span class="small"><xsl:value-of select="translate(@name, '-', ' ')"/></span>
          <b><xsl:choose><xsl:when test="@name = 'security-level'"><xsl:value-of select="@value"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise></xsl:choose></b>
          <xsl:if test="@from"><span class="small"><xsl:value-of select="@from"/></span></xsl:if>
        </div>
      </xsl:for-each>
    </div>
    <xsl:if test="r:levels">
      <table>
        <xsl:choose>
          <xsl:when test="r:levels[count(r:level) = 1 and r:level/@id = 'met']">
            <!-- No levels: a pass/fail scheme, judged as the one level "met". -->
            <tr><td class="v">requirements</td>
              <td class="v"><xsl:call-template name="reached-class"/><xsl:value-of select="r:levels/@reached"/></td>
              <td><xsl:value-of select="r:levels/r:level"/></td></tr>
          </xsl:when>
          <xsl:otherwise>
            <xsl:for-each select="r:levels/r:level">
              <tr><td class="v"><xsl:value-of select="@id"/></td>
                <td class="v {substring('passfail', 1 + 4 * (@reached = 'false'), 4)}"><xsl:choose>
                  <xsl:when test="@reached = 'true'">reached</xsl:when><xsl:otherwise>not reached</xsl:otherwise></xsl:choose></td>
                <td><xsl:value-of select="."/></td></tr>
            </xsl:for-each>
          </xsl:otherwise>
        </xsl:choose>
      </table>
    </xsl:if>

    <xsl:if test="r:requirements/r:requirement">
      <xsl:element name="{$h}">Requirements</xsl:element>
      <xsl:apply-templates select="r:requirements/r:requirement[@verdict = 'fail']"/>
      <xsl:apply-templates select="r:requirements/r:requirement[@verdict = 'error' or @verdict = 'inconc']"/>
      <xsl:apply-templates select="r:requirements/r:requirement[@verdict = 'pass']"/>
      <xsl:apply-templates select="r:requirements/r:requirement[@verdict = 'awaiting-review' or @verdict = 'not-run']"/>
      <xsl:apply-templates select="r:requirements/r:requirement[@verdict = 'na']"/>
    </xsl:if>
  </xsl:template>

  <!-- A row of "Verdicts by profile": the first profile's counts are the summary's, the
       others' their assessment's. -->
  <xsl:template match="r:report | r:assessment" mode="verdict-row">
    <xsl:variable name="n" select="self::r:assessment | r:summary"/>
    <tr><td><a href="#profile-{r:profile/@id}"><code><xsl:value-of select="r:profile/@id"/></code></a>
        <span class="small"><xsl:text> </xsl:text><xsl:value-of select="r:profile/@title"/></span></td>
      <td><xsl:value-of select="r:profile/@version"/></td>
      <td class="v"><xsl:choose>
        <xsl:when test="r:levels[count(r:level) = 1 and r:level/@id = 'met']">
          <xsl:call-template name="reached-class"/>requirements <xsl:value-of select="r:levels/@reached"/></xsl:when>
        <xsl:when test="r:levels"><xsl:call-template name="reached-class"/><xsl:value-of select="r:levels/@reached"/></xsl:when>
        <xsl:otherwise>—</xsl:otherwise></xsl:choose></td>
      <td><xsl:call-template name="count"><xsl:with-param name="n" select="$n/@decided-by-keur"/></xsl:call-template></td>
      <td><xsl:call-template name="count"><xsl:with-param name="n" select="$n/@reviewed"/></xsl:call-template></td>
      <td><span class="{substring('contradiction', 1, 13 * ($n/@awaiting-review != 0))}"><xsl:call-template name="count">
        <xsl:with-param name="n" select="$n/@awaiting-review"/></xsl:call-template></span></td></tr>
  </xsl:template>

  <!-- The class attribute for the level reached (context: the report or an assessment). -->
  <xsl:template name="reached-class">
    <xsl:variable name="v" select="r:levels/@reached"/>
    <xsl:attribute name="class">v <xsl:choose>
      <xsl:when test="$v = 'not determined'">inconc</xsl:when>
      <xsl:when test="$v = 'none' or $v = 'not met'">fail</xsl:when>
      <xsl:otherwise>pass</xsl:otherwise></xsl:choose></xsl:attribute>
  </xsl:template>

  <xsl:template name="count">
    <xsl:param name="n"/>
    <xsl:choose><xsl:when test="$n"><xsl:value-of select="$n"/></xsl:when><xsl:otherwise>—</xsl:otherwise></xsl:choose>
  </xsl:template>

  <!-- A requirement's anchor: req-ID for the first profile's, req-PROFILE-ID for another's. -->
  <xsl:template name="req-anchor">
    <xsl:param name="profile"/>
    <xsl:param name="req"/>
    <xsl:text>req-</xsl:text>
    <xsl:if test="$profile != /r:report/r:profile/@id"><xsl:value-of select="$profile"/>-</xsl:if>
    <xsl:value-of select="$req"/>
  </xsl:template>

  <xsl:template match="r:requirement">
    <div class="req {@verdict}">
      <xsl:attribute name="id"><xsl:call-template name="req-anchor">
        <xsl:with-param name="profile" select="../../r:profile/@id"/><xsl:with-param name="req" select="@id"/></xsl:call-template></xsl:attribute>
      <span class="v {@verdict}"><xsl:value-of select="@verdict"/></span>
      <xsl:text> </xsl:text><b><xsl:value-of select="@id"/></b>: <xsl:value-of select="r:summary"/>
      <span class="small"> — <xsl:value-of select="@source"/>; <xsl:value-of select="@kind"/><xsl:if test="@level">, level <xsl:value-of select="@level"/></xsl:if></span>
      <xsl:if test="r:waiver"><div class="small">Waived: <xsl:value-of select="r:waiver"/>
        (approved by <xsl:value-of select="r:waiver/@approved-by"/>)</div></xsl:if>
      <xsl:if test="r:not-applicable"><div class="small">Not applicable: <xsl:value-of select="r:not-applicable"/></div></xsl:if>
      <xsl:if test="r:contradiction"><div class="contradiction">ICS contradiction: <xsl:value-of select="r:contradiction"/></div></xsl:if>
      <xsl:if test="r:ics"><div class="small">Manufacturer's ICS: <xsl:value-of select="r:ics/@status"/>
        <xsl:if test="r:ics/r:justification">: <xsl:value-of select="r:ics/r:justification"/></xsl:if>
        <xsl:for-each select="r:ics/r:document"> · <xsl:value-of select="."/></xsl:for-each></div></xsl:if>
      <xsl:if test="@verdict = 'awaiting-review'"><div class="small">Awaiting the assessor's review of the documentation.</div></xsl:if>
      <xsl:for-each select="r:review">
        <div class="review">Assessor's review: <span class="v {@verdict}"><xsl:value-of select="@verdict"/></span>
          by <b><xsl:value-of select="@assessor"/></b> on <xsl:value-of select="@date"/>
          <span class="small"> (recorded <xsl:value-of select="@recorded"/> by <xsl:value-of select="@recorded-by"/><xsl:if test="@reviews &gt; 1">;
            replaces <xsl:value-of select="@reviews - 1"/> earlier review(s)</xsl:if>)</span>
          <xsl:if test="@recorded-for">
            <xsl:variable name="fp" select="substring-before(@recorded-for, ' ')"/>
            <xsl:variable name="fr" select="substring-after(@recorded-for, ' ')"/>
            <div class="small">Recorded for the same requirement of another profile:
              <xsl:choose>
                <xsl:when test="/r:report/r:profile/@id = $fp or /r:report/r:assessment/r:profile/@id = $fp">
                  <a><xsl:attribute name="href">#<xsl:call-template name="req-anchor">
                    <xsl:with-param name="profile" select="$fp"/><xsl:with-param name="req" select="$fr"/></xsl:call-template></xsl:attribute>
                    <xsl:value-of select="$fp"/><xsl:text> </xsl:text><xsl:value-of select="$fr"/></a></xsl:when>
                <xsl:otherwise><xsl:value-of select="@recorded-for"/></xsl:otherwise></xsl:choose></div>
          </xsl:if>
          <div><xsl:value-of select="r:rationale"/></div>
          <xsl:if test="r:override"><div class="contradiction">Overrides keur's verdict <xsl:value-of select="../@tested-verdict"/>:
            <xsl:value-of select="r:override"/></div></xsl:if>
          <xsl:for-each select="r:document">
            <div class="small">document <a href="{@file}"><xsl:value-of select="@title"/></a><xsl:text> </xsl:text><code><xsl:value-of select="@file"/></code>
              (<xsl:value-of select="@size"/> bytes, SHA-256 <code><xsl:value-of select="substring(@sha256, 1, 16)"/>…</code>)</div>
          </xsl:for-each>
        </div>
      </xsl:for-each>
      <xsl:if test="r:case">
        <table>
          <xsl:for-each select="r:case">
            <xsl:variable name="c" select="key('case', @ref)"/>
            <tr><td><a href="#case-{@ref}"><code><xsl:value-of select="@ref"/></code></a></td>
              <td class="v {@verdict}"><xsl:value-of select="@verdict"/></td>
              <td><xsl:value-of select="$c/r:reason"/><xsl:for-each select="$c"><xsl:call-template name="evidence"/></xsl:for-each></td></tr>
          </xsl:for-each>
        </table>
      </xsl:if>
    </div>
  </xsl:template>

  <xsl:template name="evidence">
    <xsl:param name="of" select="."/>
    <xsl:for-each select="$of/r:evidence">
      <div class="small">evidence <a href="{@file}"><xsl:value-of select="@file"/></a>
        (<xsl:value-of select="@size"/> bytes, SHA-256 <code><xsl:value-of select="substring(@sha256, 1, 16)"/>…</code>)</div>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
