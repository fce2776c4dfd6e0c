<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:r="urn:keur:report:1">
  <xsl:template match="/"><html><body><xsl:value-of select="r:report/r:dut/@id"/></body></html></xsl:template>
</xsl:stylesheet>
