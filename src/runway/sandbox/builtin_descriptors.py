"""Built-in default descriptor values (namespace ``uri://ed-fi.org/<Name>``), used without a descriptor dir.

One entry per descriptor type of the built-in Descriptors document (``runway.sandbox.builtin_spec``), so
every descriptor property of the built-in resources accepts the Ed-Fi defaults. The code values are the
Ed-Fi Data Standard's default descriptor values, in the order Ed-Fi lists them. Language and Country keep
a subset: the languages assessment bundles emit (ISO 639-2 codes, English ``eng`` and Spanish ``spa``
among them) and common countries of birth (ISO 3166 codes).
"""

# fmt: off
BUILTIN_DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "AcademicSubjectDescriptor": (
        "Career and Technical Education", "Composite", "Critical Reading", "Cross Subject", "English",
        "English Language Arts", "Fine and Performing Arts", "Foreign Language and Literature", "Mathematics",
        "Life and Physical Sciences", "Military Science", "Other", "Physical, Health, and Safety Education",
        "Reading", "Religious Education and Theology", "Social Sciences and History", "Social Studies",
        "Science", "Writing",
    ),
    "AccommodationDescriptor": (
        "504 accommodation", "English language learner accommodation", "Other", "Scheduling accommodation",
        "Settings accommodation", "Student equipment/technology accommodation",
        "Test administration accommodation", "Test material accommodation", "Test response accommodation",
    ),
    "AddressTypeDescriptor": (
        "Billing", "Doubled - up (i.e., living with another family)", "Father Address", "Guardian Address",
        "Home", "Hotels/Motels", "Mailing", "Mother Address", "Other", "Physical",
        "Shelter, Transitional housing, Awaiting Foster", "Shipping", "Temporary", "Unsheltered", "Work",
    ),
    "AdministrationEnvironmentDescriptor": ("Classroom", "School", "Testing Center", "Remote"),
    "AdministrativeFundingControlDescriptor": ("Other", "Private School", "Public School"),
    "AssessmentCategoryDescriptor": (
        "Advanced Placement", "Class quiz", "Early Learning - Physical well-being and motor dev",
        "Language proficiency test", "Psychomotor test", "State alternate assessment/ELL",
        "Alternate assessment/ELL", "College entrance exam",
        "Early Learning - Social and emotional development", "Manual dexterity test",
        "Reading readiness test", "State English proficiency test", "Achievement test", "Class test",
        "Early Learning - Language and literacy development", "International Baccalaureate",
        "Psychological test", "State alternative assessment/modified standards",
        "Alternative assessment/modified standards", "Developmental observation",
        "Foreign language proficiency test", "Performance assessment",
        "State summative assessment 3-8 general", "Aptitude test", "Diagnostic", "Formative",
        "Personality test", "State high school subject assessment", "Benchmark test",
        "Early Learning - Cognition and general knowledge", "Interim", "Prekindergarten Readiness",
        "State alternative assessment/grade-level standards", "Attitudinal test",
        "Early Learning - Approaches toward learning", "Interest inventory", "Portfolio assessment",
        "State high school course assessment", "Alternate assessment/grade-level standards",
        "Cognitive and perceptual skills test", "English proficiency screening test",
        "Mental ability (intelligence) test", "State assessment", "Other",
    ),
    "AssessmentIdentificationSystemDescriptor": (
        "District", "Federal", "Other", "Other Federal", "School", "State", "Test Contractor", "National",
    ),
    "AssessmentItemCategoryDescriptor": (
        "Analytic", "Essay", "Fill-in-the-blank", "Innovative", "Labeling", "List Question", "Matching",
        "Math Matrix", "Multiple-choice", "Multiple-choice multi-select", "Other",
        "Other constructed response", "Other extended response", "Performance task", "Prose", "Reordering",
        "Rubric", "Short answer", "Show your work", "Substitution", "True-False", "Visual representation",
    ),
    "AssessmentItemResultDescriptor": (
        "Above Standard", "Below Standard", "Correct", "Incorrect", "Met Standard", "Partially Correct",
    ),
    "AssessmentPeriodDescriptor": (
        "Beginning of Year", "End of Year", "Fall", "Middle of Year", "Spring", "Summer",
    ),
    "AssessmentReportingMethodDescriptor": (
        "Achievement/proficiency level", "Adaptive scale score", "Age score", "C-scaled scores",
        "Composite Rating", "Composite Score", "Composition Score",
        "Grade equivalent or grade-level indicator", "Graduation score", "Growth/value-added/indexing",
        "Letter grade/mark", "Lexile Measure", "Mastery level", "National College-Bound Percentile",
        "Normal curve equivalent", "Normalized standard score", "Number score", "Other", "Pass-fail",
        "Percentile", "Percentile rank", "Proficiency level", "Promotion score", "Quantile Measure",
        "Ranking", "Ratio IQ's", "Raw score", "RIT scale score", "Scale score", "Standard age score",
        "Standard error measurement", "Stanine score", "State College-Bound Percentile", "Sten score",
        "Theta", "T-score", "Vertical Scale Score", "Vertical score", "Workplace readiness score", "Z-score",
        "ACT score", "College Board examination scores", "International Baccalaureate score",
        "Not applicable",
    ),
    "BarrierToInternetAccessInResidenceDescriptor": (
        "Not Available", "Not Affordable", "Not Desired", "Other",
    ),
    "CharterApprovalAgencyTypeDescriptor": (
        "Community college", "Local education agency", "Non educational government entities",
        "Not for profit organization", "Other", "Public charter school board", "State board of education",
        "State department of education", "University",
    ),
    "CharterStatusDescriptor": (
        "College/University Charter", "Not a Charter School", "Open Enrollment", "School Charter",
    ),
    "CitizenshipStatusDescriptor": (
        "Non-resident alien", "Permanent resident", "Refugee", "Resident alien", "US Citizen",
    ),
    "CohortYearTypeDescriptor": (
        "First grade", "Second grade", "Third grade", "Fourth grade", "Fifth grade", "Sixth grade",
        "Seventh grade", "Eighth grade", "Ninth grade", "Tenth grade", "Eleventh grade", "Twelfth grade",
    ),
    "CountryDescriptor": (  # subset of 249
        "US", "CA", "MX", "PR", "GT", "HN", "SV", "NI", "DO", "CU", "HT", "CO", "VE", "EC", "PE", "BR", "AR",
        "CN", "IN", "PH", "VN", "KR", "JP", "PK", "AF", "IQ", "SY", "UA", "RU", "DE", "FR", "GB", "SO", "ET",
        "NG", "CD",
    ),
    "DisabilityDescriptor": (
        "Autism Spectrum Disorders", "Deaf-Blindness", "Hearing Impairment, including Deafness",
        "Intellectual Disability", "Infant/Toddler with a Disability", "Medical condition",
        "Mental impairment", "Motor impairment", "Multiple Disabilities", "Orthopedic Impairment", "Other",
        "Other Health Impairment", "Physical Disability", "Preschooler with a Disability",
        "Sensory impairment", "Serious Emotional Disability", "Speech or Language Impairment",
        "Specific Learning Disability", "Traumatic Brain Injury", "Visual Impairment, including Blindness",
    ),
    "DisabilityDesignationDescriptor": (
        "Individuals with Disabilities Education Act", "Other", "Section 504",
    ),
    "DisabilityDeterminationSourceTypeDescriptor": (
        "By health care provider", "By licensed physical therapist", "By physician",
        "By school psychologist or other psychologist", "By social service or other type of agency",
        "Not applicable to the student", "Other", "Self-reported", "Unknown or Unreported",
    ),
    "EducationOrganizationAssociationTypeDescriptor": ("Administration", "Attribution", "Enrollment"),
    "EducationOrganizationCategoryDescriptor": (
        "Education Organization Network", "Education Service Center", "Local Education Agency", "Other",
        "School", "State Education Agency", "Post Secondary Institution", "Organization Department",
    ),
    "EducationOrganizationIdentificationSystemDescriptor": (
        "ACT", "DUNS", "Federal", "IPEDS", "LEA", "NCES", "Other", "Other Federal", "School", "SEA",
        "USDE - OPE",
    ),
    "EducationPlanDescriptor": (
        "504 Plan", "Career Pathways", "Career Suggestions", "Completion and Reach Age 22",
        "Employability Skills", "Full Time Employment", "High School Education Plan", "IDEA IEP", "Other",
        "Outside Service Access", "Personal Graduation Plan", "Student Success Plan",
    ),
    "ElectronicMailTypeDescriptor": ("Home/Personal", "Organization", "Other", "Work"),
    "EnrollmentTypeDescriptor": ("Current", "Preregistered", "Summer"),
    "EntryGradeLevelReasonDescriptor": (
        "Nonpromotion - Failed to meet testing requirements", "Nonpromotion - Illness",
        "Nonpromotion - Immaturity", "Nonpromotion - Inadequate performance",
        "Nonpromotion - Insufficient credits", "Nonpromotion - Other", "Nonpromotion - Prolonged absence",
        "Promotion - Accelerated promotion", "Promotion - Continuous promotion", "Promotion - Other",
        "Promotion - Probationary promotion", "Promotion - Regular promotion",
        "Promotion - Variable progress",
    ),
    "EntryTypeDescriptor": ("Transfer", "New to education system", "Next year school", "Other", "Re-entry"),
    "EventCircumstanceDescriptor": (
        "Administration or system failure", "Catastrophic illness or accident", "Cheating",
        "Chronic absences", "Cross-enrolled", "Earlier truancy", "Fire alarm", "Foreign exchange student",
        "Home schooled for assessed subjects", "Homebound", "Incarcerated at adult facility", "Left testing",
        "Long-term suspension - non-special education", "Non-special ed student used calculator",
        "Only for writing", "Other", "Other reason for ineligibility", "Other reason for nonparticipation",
        "Parent refusal", "Psychological factors of emotional trauma",
        "Reading passage read to student (IEP)", "Short-term suspension - non-special education",
        "Special detention center", "Special treatment center", "Student not showing adequate effort",
        "Student refusal", "Student took this grade level assessment last year",
        "Student used math journal (non-IEP)", "Suspension - special education",
        "Teacher cheating or mis-admin", "Truancy - no paperwork filed", "Truancy - paperwork filed",
    ),
    "ExitWithdrawTypeDescriptor": (
        "Completed", "Died or is permanently incapacitated", "Dropout", "End of school year",
        "Enrolled in a high school diploma program", "Expelled", "Graduated", "Incarcerated",
        "Invalid enrollment", "Involuntarily Removed", "No show", "Other", "Reached maximum age",
        "Transferred", "Withdrawn",
    ),
    "GradeLevelDescriptor": (
        "Infant/toddler", "Preschool", "Prekindergarten", "Transitional Kindergarten", "Kindergarten",
        "First grade", "Second grade", "Third grade", "Fourth grade", "Fifth grade", "Sixth grade",
        "Seventh grade", "Eighth grade", "Ninth grade", "Tenth grade", "Eleventh grade", "Twelfth grade",
        "Grade 13", "Postsecondary", "Ungraded", "Other", "Out of School", "Adult Education",
        "Early Education", "No grade level", "Preschool/Prekindergarten",
    ),
    "GraduationPlanTypeDescriptor": (
        "Career and Technical Education", "Distinguished", "Minimum", "Recommended", "Standard",
    ),
    "IdentificationDocumentUseDescriptor": (
        "Foreign Citizenship Identification", "Personal Information Verification",
        "US Citizenship Identification",
    ),
    "InstitutionTelephoneNumberTypeDescriptor": (
        "Administrative", "Attendance", "Fax", "Food Service", "Health Clinic", "Main", "Other",
    ),
    "InternetAccessDescriptor": (
        "Cable", "Dial-up", "DSL", "Fiber", "Microwave", "None", "Other", "Personal hotspot/smartphone",
        "Satellite", "School-provided hotspot", "Unknown", "High Speed", "Less Than High Speed",
    ),
    "InternetAccessTypeInResidenceDescriptor": (
        "Residential Broadband", "Cellular Network", "Hot Spot", "Community Provided Wi-Fi", "Satellite",
        "Dial-up", "Other", "None", "Unknown",
    ),
    "InternetPerformanceInResidenceDescriptor": ("Yes", "Sometimes", "No"),
    "LanguageDescriptor": (  # subset of 484: the languages assessment bundles emit
        "ace", "ach", "akk", "amh", "ara", "arm", "ben", "bur", "chi", "chk", "cze", "eng", "fil", "fre",
        "ger", "gre", "hat", "haw", "heb", "hin", "hmn", "ilo", "ita", "jpn", "kan", "khm", "kor", "lat",
        "mah", "mar", "mas", "nep", "pan", "per", "pol", "pon", "por", "pus", "rum", "rus", "sgn", "smo",
        "som", "spa", "swa", "tam", "tel", "tgl", "tha", "tir", "tur", "ukr", "urd", "vie", "yor", "ypk",
    ),
    "LanguageUseDescriptor": (
        "Correspondence language", "Dominant language", "Home language", "Native language", "Other",
        "Other language proficiency", "Spoken language", "Written language",
    ),
    "LearningStandardCategoryDescriptor": ("Practices", "Core Ideas", "Crosscutting Concepts"),
    "LearningStandardScopeDescriptor": (
        "State", "Local education agency", "School", "Classroom", "Multi-state or National", "International",
    ),
    "LimitedEnglishProficiencyDescriptor": (
        "Limited", "Limited Monitored 1", "Limited Monitored 2", "NotLimited",
    ),
    "LocalEducationAgencyCategoryDescriptor": (
        "Federal operated agency", "Independent charter district", "Other local education agency",
        "Public school district part of a supervisory union", "Regular public school district",
        "Service agency", "Specialized public school district", "State operated agency", "Supervisory union",
        "Charter", "Independent",
    ),
    "LocaleDescriptor": (
        "City-Large", "City-Midsize", "City-Small", "Suburban-Large", "Suburban-Midsize", "Suburban-Small",
        "Town-Fringe", "Town-Distant", "Town-Remote", "Rural-Fringe", "Rural-Distant", "Rural-Remote",
    ),
    "MagnetSpecialProgramEmphasisSchoolDescriptor": (
        "All students participate", "No students participate", "Some, but not all, students participate",
    ),
    "OperationalStatusDescriptor": (
        "Active", "Added", "Changed", "Closed", "Future", "Inactive", "New", "Reopened",
    ),
    "OtherNameTypeDescriptor": ("Alias", "Nickname", "Other Name", "Previous Legal Name"),
    "PerformanceLevelDescriptor": (
        "Advanced", "Basic", "Below Basic", "Well Below Basic", "Met Standard", "Did Not Meet Standard",
        "Pass", "Fail", "Commended Performance", "Above Benchmark", "Proficient", "Minimum", "Satisfactory",
        "Unsatisfactory",
    ),
    "PersonalInformationVerificationDescriptor": (
        "Baptismal or church certificate", "Birth certificate", "Drivers license", "Entry in family Bible",
        "Hospital certificate", "Immigration document/visa", "Life insurance policy", "Other",
        "Other non-official document", "Other official document", "Parents affidavit", "Passport",
        "Physicians certificate", "Previously verified school records", "State-issued ID",
    ),
    "PlatformTypeDescriptor": ("Computer-based", "Paper-based"),
    "PrimaryLearningDeviceAccessDescriptor": ("Shared", "Not Shared", "Unknown"),
    "PrimaryLearningDeviceAwayFromSchoolDescriptor": (
        "Desktop Computer", "Laptop Computer", "Tablet", "Chromebook", "Smartphone", "None", "Other",
    ),
    "PrimaryLearningDeviceProviderDescriptor": ("Personal", "School", "Other"),
    "ProgramTypeDescriptor": (
        "Adult/Continuing Education", "Alternative Education", "Athletics", "Bilingual", "Bilingual Summer",
        "Career and Technical Education", "Cocurricular Programs", "College Preparatory",
        "Community Service Program", "Community/Junior College Education Program",
        "Compensatory Services for Disadvantaged Students", "Counseling Services", "District-Funded GED",
        "Early Head Start", "Early Intervention Services Part C", "English as a Second Language (ESL)",
        "Even Start", "Expelled Education", "Extended Day/Child Care Services", "Fee For Service",
        "Foreign Exchange", "Gifted and Talented", "Head Start", "Health Services Program",
        "High School Equivalency Program (HSEP)", "Home Visiting", "Homeless", "IDEA", "Immigrant Education",
        "Independent Study", "Indian Education", "International Baccalaureate", "Kindergarten - Extended Day",
        "Kindergarten - Full Day", "Kindergarten - Half Day", "Library/Media Services Program",
        "Magnet/Special Program Emphasis", "Migrant Education", "Neglected and Delinquent Program",
        "Optional Flexible School Day Program (OFSDP)", "Other", "Prekindergarten - Extended Day",
        "Prekindergarten - Full Day", "Prekindergarten - Half Day", "Preschool Special Education",
        "Public Preschool", "Regular Education", "Remedial Education", "Section 504 Placement",
        "Service Learning", "Special Education", "Student Retention/Dropout Prevention",
        "Student School Food Service", "Substance Abuse Education/Prevention", "Support",
        "Teacher Professional Development/Mentoring", "Technical Preparatory", "Title I Part A",
        "Title I Part D Subpart 1", "Title I Part D Subpart 2", "Vocational Education",
    ),
    "PublicationStatusDescriptor": ("Adopted", "Deprecated", "Draft", "Published", "Unknown"),
    "RaceDescriptor": (
        "American Indian or Alaska Native", "Asian", "Black or African American", "Choose Not to Respond",
        "Native Hawaiian or Pacific Islander", "Other", "White", "Hispanic or Latino",
        "Middle Eastern or North African",
    ),
    "ReasonNotTestedDescriptor": (
        "Absent", "Alternate assessment administered", "Disruptive behavior",
        "Foreign exchange student waiver", "LEP exempt", "LEP postponement", "Medical waiver",
        "Not appropriate (ARD decision)", "Not tested (ARD decision)", "Other", "Parental waiver",
        "Previously passed the examination", "Refusal by parent", "Refusal by student",
    ),
    "ResidencyStatusDescriptor": (
        "Resident of admin unit and school area", "Resident of admin unit, but other school area",
        "Resident of admin unit that crosses states", "Resident of another state",
        "Resident of this state, but not of this admin unit",
    ),
    "ResponseIndicatorDescriptor": (
        "Effective response", "Ineffective response", "Nonscorable response", "Partial response",
    ),
    "ResultDatatypeTypeDescriptor": ("Decimal", "Integer", "Level", "Percentage", "Percentile", "Range"),
    "RetestIndicatorDescriptor": ("1st Retest", "2nd Retest", "3rd or more Retest", "Primary Administration"),
    "SchoolCategoryDescriptor": (
        "Infant/toddler School", "Preschool/early childhood", "Primary School", "Elementary School",
        "Middle School", "Junior High School", "Intermediate School", "High School", "Secondary School",
        "Other Secondary", "Joint Secondary and Postsecondary School", "Other Combination", "Adult School",
        "All Levels", "Ungraded", "Elementary/Secondary School",
    ),
    "SchoolChoiceBasisDescriptor": ("Federal", "State", "Local", "NCLB choice", "Victim of a Violent Felony"),
    "SchoolTypeDescriptor": (
        "Alternative", "Career and Technical Education", "Regular", "Special Education", "Reportable Program",
    ),
    "SexDescriptor": ("Female", "Male", "Non-binary", "Not Selected"),
    "SourceSystemDescriptor": ("School", "District", "State", "Federal"),
    "StateAbbreviationDescriptor": (
        "AA", "AE", "AK", "AL", "AP", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "FM", "GA", "GU",
        "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MH", "MI", "MN", "MO", "MP", "MS",
        "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR", "PW", "RI", "SC",
        "SD", "TN", "TX", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
    ),
    "StudentCharacteristicDescriptor": (
        "Asylee", "Displaced Homemaker", "Foster Care", "Homeless", "Immigrant", "Parent in Military",
        "Pregnant", "Refugee", "Runaway", "Single Parent", "Unaccompanied Youth", "Other", "Displaced",
        "Economic Disadvantaged",
    ),
    "StudentIdentificationSystemDescriptor": (
        "Canadian SIN", "District", "Family", "Federal", "National Migrant", "Other", "School", "SSN",
        "State", "State Migrant", "Student Number", "Local",
    ),
    "SupporterMilitaryConnectionDescriptor": (
        "Active Duty", "Reserve", "Veteran", "DoD Civilian", "Not Military Connected", "Unknown",
    ),
    "TelephoneNumberTypeDescriptor": (
        "Emergency 1", "Emergency 2", "Fax", "Home", "Mobile", "Other", "Unlisted", "Work",
    ),
    "TermDescriptor": (
        "Semester", "Fall Semester", "Spring Semester", "Summer Semester", "Quarter", "First Quarter",
        "Second Quarter", "Third Quarter", "Fourth Quarter", "Trimester", "First Trimester",
        "Second Trimester", "Third Trimester", "MiniTerm", "Year Round", "Other",
    ),
    "TitleIPartASchoolDesignationDescriptor": (
        "Not A Title I School", "Title I Schoolwide Eligible School-No Program",
        "Title I Schoolwide Eligible-Target Assist Program", "Title I Schoolwide School",
        "Title I Targeted Assistance Eligible-No Program", "Title I Targeted Assistance School", "Missing",
    ),
    "VisaDescriptor": (
        "B1 - Business Visa", "B2 - Tourist Visa", "F1 - Foreign Student Visa", "H1 - Employment Visa",
        "J1 - Exchange Scholar Visa", "M1 - Foreign Student vocational/non-academic Visa", "Other Visa",
    ),
}
# fmt: on
